"""Sample company generator: a realistic, deterministic, scalable B2B SaaS business.

`generate(out, accounts=..., months=...)` writes a landing folder that follows
the landing contract (`docs/landing-contract.md`, registry `foundation.contract`),
optionally with bad rows and their ground-truth manifest. Besides the billing
and CPQ entities (`simulate.py`) it writes the optional sales entities: the
leads the accounts came from (`leads.py`), the reps' activities (`activities.py`)
and their forecasts (`forecasts.py`), and the customer-success ones: product
usage (`usage.py`) and CSAT responses (`csat.py`), both drawn from the accounts'
health (`health.py`). Behaviour knobs live in `params.py`; the enums the
contract owns come from it (`enums.py`).
"""

from .badrows import REASON_CODES
from .core import DEFAULTS, FORMATS, GenerateDefaults, GenerateSummary, generate
from .params import PARAMS, Params

__all__ = [
    "DEFAULTS",
    "FORMATS",
    "PARAMS",
    "REASON_CODES",
    "GenerateDefaults",
    "GenerateSummary",
    "Params",
    "generate",
]
