"""Results of the reliability tests, for RELIABILITY.md (`make reliability` renders them).

Each reliability test calls `record` once with what it did and what it saw, stamped
with the commit it ran on and when; the records land in REVOPS_RELIABILITY_RESULTS (a
folder) when set, else nowhere: a plain `make test` records nothing and writes no file.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from foundation.settings import PROJECT_ROOT

RESULTS_ENV = "REVOPS_RELIABILITY_RESULTS"


def record(test_id: str, what: str, outcome: dict[str, int | float | str]) -> None:
    """`test_id`: the test's node id; `what`: one sentence; `outcome`: counts such as
    {"kills survived": 80, "rows lost": 0}."""
    folder = os.environ.get(RESULTS_ENV)
    if not folder:
        return
    path = Path(folder) / (test_id.replace("/", "_").replace("::", "__") + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = {"commit": commit(), "ran_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}
    data = {"test": test_id, "what": what, "outcome": outcome, **stamp}
    path.write_text(json.dumps(data, indent=2))


def commit() -> str:
    """The checkout's commit (short), "+changes" when files differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=PROJECT_ROOT, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")
