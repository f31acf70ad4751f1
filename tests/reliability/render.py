"""RELIABILITY.md from the records of a `make reliability` run.

    python -m tests.reliability.render <results folder> [RELIABILITY.md]

Each test's outcome (passed, failed, skipped) comes from pytest's JUnit XML files
in the results folder (a later file wins: a test run again replaces its result);
what it did, its counts, and the commit and time it ran on from the record it wrote
(tests/reliability/results.py). A test that failed before recording shows its failure's
first line. A test this run did not run keeps its row from the previous RELIABILITY.md
(its last result, with its own commit and time): the rows are also kept, as JSON, in a
comment at the end of the file.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from foundation.settings import PROJECT_ROOT
from tests.reliability.results import now, run_commit

ROWS_COMMENT = re.compile(r"<!-- rows\n(?P<rows>.*)\n-->\s*\Z", re.S)

INTRO = """\
# Reliability

What happens to the warehouse when a run is killed, when readers hammer the
published files, when the files are hostile and when the data are personal:
each is a test in `tests/reliability/`, and this page is their last result,
written by `make reliability` (which runs them all, the hours-long campaigns
marked `reliability_long` included; `make test` runs only their faster
siblings). Do not edit by hand: run `make reliability` (`make reliability
RELIABILITY_TESTS=<tests> SIGTERM_CAMPAIGN=` runs only some; the other rows stay,
each with the commit and time of its own last run).

How the crash tests work: `revops run` runs as a subprocess on a small
generated company and is killed (SIGKILL) or stopped (SIGTERM) at seeded
random points of each phase (ingest, dbt, validate, publish: the phase lines
the run prints), then run again. After every kill: no process of the run is
left, the lock is free, the load accounting reconciles. After every rerun: raw
rows and load records equal a clean run's (EXCEPT ALL both ways, without the
load-time columns), every mart and every published table too. A reader process
polls serving.duckdb and the Parquet files throughout and must never fail nor
see two versions in one read (tests/reliability/reader.py defines a
consistent read).
"""


def _outcomes(folder: Path) -> dict[str, tuple[str, str]]:
    """Test node id -> (passed | failed | skipped, the first line of why)."""
    outcomes = {}
    for junit in sorted(folder.glob("*.xml"), key=lambda path: path.stat().st_mtime):
        outcomes.update(_outcomes_of(junit))
    return outcomes


def _outcomes_of(junit: Path) -> dict[str, tuple[str, str]]:
    outcomes = {}
    for case in ET.parse(junit).iter("testcase"):
        classname = case.get("classname", "")
        path = classname.replace(".", "/") + ".py"
        node = f"{path}::{case.get('name')}"
        status, why = "passed", ""
        for tag in ("failure", "error", "skipped"):
            found = case.find(tag)
            if found is not None:
                status = "skipped" if tag == "skipped" else "failed"
                why = (found.get("message") or "").strip().splitlines()[0][:200]
        outcomes[node] = (status, why)
    return outcomes


def _records(folder: Path) -> dict[str, dict]:
    records = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        records[data["test"]] = data
    return records


def _cell(text: str) -> str:
    """Text for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(folder: Path, previous: dict[str, dict]) -> dict[str, dict]:
    """Test node id -> its row: this run's outcome and record, else the previous row."""
    outcomes, records = _outcomes(folder), _records(folder)
    # A test without a record: the commit the run started on, the time of rendering.
    unrecorded = {"commit": run_commit(folder), "ran_at": now()}
    rows = dict(previous)
    for node in set(outcomes) | set(records):
        status, why = outcomes.get(node, ("recorded", ""))
        data = records.get(node, {})
        rows[node] = {
            "status": status,
            "what": data.get("what", why if status != "passed" else ""),
            "outcome": data.get("outcome", {}),
            "commit": data.get("commit", unrecorded["commit"]),
            "ran_at": data.get("ran_at", unrecorded["ran_at"]),
        }
    return rows


def previous_rows(markdown: str) -> dict[str, dict]:
    """The rows kept in a RELIABILITY.md's closing comment ({} when it has none)."""
    found = ROWS_COMMENT.search(markdown)
    return json.loads(found["rows"]) if found else {}


def render(folder: Path, previous: dict[str, dict] | None = None) -> str:
    rows = _rows(folder, previous or {})
    lines = [
        INTRO,
        "| test | result | last run | what it does | counts |",
        "|---|---|---|---|---|",
    ]
    for node, row in sorted(rows.items()):
        counts = "; ".join(f"{key}: {value}" for key, value in row["outcome"].items())
        name = node.removeprefix("tests/reliability/")
        run = f"{row['ran_at']}, {row['commit']}"
        lines.append(
            f"| `{_cell(name)}` | {row['status']} | {run} | {_cell(row['what'])} | "
            f"{_cell(counts)} |"
        )
    kept = json.dumps(rows, indent=1, sort_keys=True).replace("--", "-\\u002d")
    return "\n".join(lines) + f"\n\n<!-- rows\n{kept}\n-->\n"


if __name__ == "__main__":
    results = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else PROJECT_ROOT / "RELIABILITY.md"
    before = previous_rows(out.read_text(encoding="utf-8")) if out.exists() else {}
    out.write_text(render(results, before), encoding="utf-8")
    print(f"wrote {out}")
