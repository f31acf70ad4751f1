"""Sample company generator: a realistic, deterministic, scalable B2B SaaS business.

`generate(out, accounts=..., months=...)` writes a landing folder that follows
the landing contract (`ingestion/contract.py`), optionally with bad rows and
their ground-truth manifest. Behaviour knobs live in `params.py`.
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
