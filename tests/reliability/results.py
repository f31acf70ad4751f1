"""Results of the reliability tests, for RELIABILITY.md (`make reliability` renders them).

Each reliability test calls `record` once with what it did and what it saw; the
records land in REVOPS_RELIABILITY_RESULTS (a folder) when set, else nowhere:
a plain `make test` records nothing and writes no file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS_ENV = "REVOPS_RELIABILITY_RESULTS"


def record(test_id: str, what: str, outcome: dict[str, int | float | str]) -> None:
    """`test_id`: the test's node id; `what`: one sentence; `outcome`: counts such as
    {"kills survived": 80, "rows lost": 0}."""
    folder = os.environ.get(RESULTS_ENV)
    if not folder:
        return
    path = Path(folder) / (test_id.replace("/", "_").replace("::", "__") + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"test": test_id, "what": what, "outcome": outcome}, indent=2))
