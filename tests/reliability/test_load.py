"""Readers under load: eight reader processes poll serving.duckdb while new versions are
published one after the other.

A read is consistent (tests/reliability/reader.py) when, in one connection,
`publication.marts` names one version, lists exactly the tables of the `marts`
schema and each table's count(*) equals its listed row count. Beyond that, every
version a reader saw must be one that was published, with the row counts it was
published with, and readers see the versions in the order they were published.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from foundation.settings import Settings
from serving.publish import publish
from tests.reliability.harness import Readers, clean_run
from tests.reliability.reader import NOTHING
from tests.reliability.results import record

READERS = 8


def _published(serving: Path) -> tuple[str, dict[str, int]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select table_name, row_count, version from publication.marts"
        ).fetchall()
    return rows[0][2], {table: count for table, count, _ in rows}


def _check(reports: list[dict], published: list[tuple[str, dict[str, int]]]) -> dict[str, int]:
    order = [NOTHING] + [version for version, _ in published]
    counts = dict(published)
    for report in reports:
        assert report["errors"] == [], report["errors"][:3]
        assert report["mixes"] == [], report["mixes"][:3]
        seen = report["versions"]
        # a subsequence of the published order: never an unknown version, never back
        positions = [order.index(version) for version in seen]
        assert positions == sorted(positions), seen
        for version, seen_counts in report["counts"].items():
            if version != NOTHING:
                assert seen_counts == counts[version], version
    return {
        "readers": len(reports),
        "reads": sum(r["reads"] for r in reports),
        "reader errors": 0,
        "mixed reads": 0,
        "versions published": len(published),
        "versions seen by every reader": min(
            len([v for v in r["versions"] if v != NOTHING]) for r in reports
        ),
    }


def test_eight_readers_while_three_versions_are_published(request, tmp_path, pipeline_warehouse):
    """Fast: the publish step alone, three times in a row on a copy of the small company's
    warehouse (each time with fewer fct_mrr rows: a new version), readers polling every
    20 ms."""
    shutil.copytree(pipeline_warehouse.parent, tmp_path / "wh", symlinks=True)
    settings = Settings(landing=tmp_path, warehouse=tmp_path / "wh" / pipeline_warehouse.name)
    first = _published(settings.serving)
    readers = Readers(settings.warehouse_dir, tmp_path / "readers", READERS, 0.02, True)
    published = [first]
    try:
        time.sleep(1.0)
        for _ in range(3):
            with duckdb.connect(str(settings.warehouse)) as con:
                con.execute(
                    "delete from marts.fct_mrr where month = (select max(month) from marts.fct_mrr)"
                )
            result = publish(settings)
            published.append((result.version, result.tables))
            time.sleep(1.0)
    finally:
        reports = readers.stop()
    fct_mrr = [counts["fct_mrr"] for _, counts in published]
    assert fct_mrr == sorted(fct_mrr, reverse=True) and len(set(fct_mrr)) == 4
    outcome = _check(reports, published)
    assert outcome["versions seen by every reader"] >= 3
    record(
        request.node.nodeid,
        "Eight reader processes poll serving.duckdb every 20 ms while the publish step swaps "
        "in three new versions of the small company's marts.",
        outcome,
    )


@pytest.mark.reliability_long
@pytest.mark.timeout(3600)
def test_eight_readers_while_three_runs_follow_each_other(request, tmp_path, crash_company):
    """`revops run` three times on an empty warehouse as the landing grows (up to Q2, Q3,
    then Q4): three versions, readers polling every 100 ms from before the first."""
    warehouse = tmp_path / "wh" / "revops.duckdb"
    warehouse.parent.mkdir()
    readers = Readers(warehouse.parent, tmp_path / "readers", READERS, 0.1, True)
    published = []
    started = time.monotonic()
    try:
        for stage in crash_company.stages:
            clean_run(stage, warehouse)
            published.append(_published(warehouse.parent / "serving.duckdb"))
    finally:
        reports = readers.stop()
    fct_invoices = [counts["fct_invoices"] for _, counts in published]
    assert fct_invoices == sorted(fct_invoices) and len(set(fct_invoices)) == 3
    outcome = _check(reports, published)
    outcome["minutes"] = round((time.monotonic() - started) / 60, 1)
    record(
        request.node.nodeid,
        "Eight reader processes poll serving.duckdb every 100 ms while three `revops run`s "
        "follow each other on a landing that grows by a quarter each time (120 accounts).",
        outcome,
    )
