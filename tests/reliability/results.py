"""Results of the reliability tests, for RELIABILITY.md (`make reliability` renders them).

Each reliability test calls `record` once with what it did and what it saw, stamped
with the commit it ran on and when; the records land in REVOPS_RELIABILITY_RESULTS (a
folder) when set, else nowhere: a plain `make test` records nothing and writes no file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from foundation.settings import PROJECT_ROOT

RESULTS_ENV = "REVOPS_RELIABILITY_RESULTS"
RUN_COMMIT = "commit"  # in the results folder: the commit the run started on


def record(test_id: str, what: str, outcome: dict[str, int | float | str]) -> None:
    """`test_id`: the test's node id; `what`: one sentence; `outcome`: counts such as
    {"kills survived": 80, "rows lost": 0}."""
    path = _result_path(test_id, ".json")
    if path:
        data = {
            "test": test_id,
            "what": what,
            "outcome": outcome,
            "commit": commit(),
            "ran_at": now(),
        }
        path.write_text(json.dumps(data, indent=2))


def progress(test_id: str, line: str) -> None:
    """One line of a long test's progress, on stderr (seen with pytest -s) and, during
    `make reliability`, appended to <test>.progress in the results folder (`tail -f` it)."""
    print(line, file=sys.stderr, flush=True)
    path = _result_path(test_id, ".progress")
    if path:
        with path.open("a") as out:
            out.write(f"{now()} {line}\n")


def _result_path(test_id: str, suffix: str) -> Path | None:
    folder = os.environ.get(RESULTS_ENV)
    if not folder:
        return None
    path = Path(folder) / (test_id.replace("/", "_").replace("::", "__") + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def now() -> str:
    """The time a result is stamped with."""
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def run_commit(folder: Path) -> str:
    """The commit a run started on (written by `start_run`), else the checkout's now."""
    started = folder / RUN_COMMIT
    return started.read_text().strip() if started.exists() else commit()


def start_run() -> None:
    """Write the checkout's commit into the results folder as a run starts (a test that
    fails before recording is stamped with it, not with what is checked out hours later)."""
    (Path(os.environ[RESULTS_ENV]) / RUN_COMMIT).write_text(commit() + "\n")


def commit() -> str:
    """The checkout's commit (short), "+changes" when files differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=PROJECT_ROOT, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


if __name__ == "__main__":
    start_run()
