"""RELIABILITY.md: this run's results, and the rows of tests it did not run kept from the
previous file with the commit and time of their own last run."""

from __future__ import annotations

import json
from pathlib import Path

from tests.reliability.render import previous_rows, render
from tests.reliability.results import RUN_COMMIT

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.reliability.test_crash" name="test_campaign[SIGTERM-20-5]"/>
<testcase classname="tests.reliability.test_load" name="test_readers">
  <failure message="AssertionError: 2 readers saw two versions&#10;more">trace</failure>
</testcase>
</testsuite></testsuites>
"""


def _write_run(folder: Path) -> None:
    folder.mkdir()
    (folder / RUN_COMMIT).write_text("1f2e3d4\n")
    (folder / "junit-rest.xml").write_text(JUNIT)
    (folder / "campaign.json").write_text(
        json.dumps(
            {
                "test": "tests/reliability/test_crash.py::test_campaign[SIGTERM-20-5]",
                "what": "SIGTERM at 20 points of each phase -- then a rerun.",
                "outcome": {"stops survived": 80, "rows lost": 0},
                "commit": "abc1234",
                "ran_at": "2026-12-01 09:00 UTC",
            }
        )
    )


def _table_row(markdown: str, name: str) -> list[str]:
    line = next(row for row in markdown.splitlines() if row.startswith(f"| `{name}`"))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_a_run_s_outcomes_and_records_make_the_rows(tmp_path: Path) -> None:
    _write_run(tmp_path / "run")
    markdown = render(tmp_path / "run")
    assert _table_row(markdown, "test_crash.py::test_campaign[SIGTERM-20-5]") == [
        "`test_crash.py::test_campaign[SIGTERM-20-5]`",
        "passed",
        "2026-12-01 09:00 UTC, abc1234",
        "SIGTERM at 20 points of each phase -- then a rerun.",
        "stops survived: 80; rows lost: 0",
    ]
    failed = _table_row(markdown, "test_load.py::test_readers")
    assert failed[1] == "failed"
    assert failed[2].endswith(" UTC, 1f2e3d4")  # no record: the commit the run started on
    assert failed[3] == "AssertionError: 2 readers saw two versions"


def test_rows_of_tests_not_run_again_are_kept_with_their_own_run(tmp_path: Path) -> None:
    kept_row = {
        "status": "passed",
        "what": "SIGKILL at 20 points of each phase.",
        "outcome": {"kills survived": 83},
        "commit": "2ca3679",
        "ran_at": "2026-11-30 19:40 UTC",
    }
    replaced = {**kept_row, "commit": "0000000", "outcome": {"stops survived": 20}}
    before = {
        "tests/reliability/test_crash.py::test_campaign[SIGKILL-20-80]": kept_row,
        "tests/reliability/test_crash.py::test_campaign[SIGTERM-20-5]": replaced,
    }
    _write_run(tmp_path / "run")
    markdown = render(tmp_path / "run", before)
    rows = previous_rows(markdown)
    assert rows["tests/reliability/test_crash.py::test_campaign[SIGKILL-20-80]"] == kept_row
    assert rows["tests/reliability/test_crash.py::test_campaign[SIGTERM-20-5]"]["outcome"] == {
        "stops survived": 80,
        "rows lost": 0,
    }
    assert _table_row(markdown, "test_crash.py::test_campaign[SIGKILL-20-80]")[2] == (
        "2026-11-30 19:40 UTC, 2ca3679"
    )
    # The kept rows sit in an HTML comment, which may not hold "--".
    comment = markdown[markdown.index("<!-- rows") + 4 : markdown.rindex("-->")]
    assert "--" not in comment
    assert previous_rows(markdown + "\n") == rows


def test_a_file_without_kept_rows_keeps_nothing() -> None:
    assert previous_rows("# Reliability\n\n| test | result |\n") == {}
