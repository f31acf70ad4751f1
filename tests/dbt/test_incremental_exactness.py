"""Incremental runs equal a full refresh, row for row and to the last digit.

A generated company lands in a seeded random order (tests/dbt/arrivals.py: periods out of
order, late versions of old invoices and quotes, deletes of rows and of parents, FX rates
back-filled for a past month, rows flagged until a later file resolves them, a month with
nothing new). After each arrival the same files are loaded into two warehouses: one built
incrementally run after run, the other rebuilt with `--full-refresh`; every mart, and
every staging and intermediate table or view (the incremental ones among them), must be
equal, EXCEPT ALL both ways, with no rounding (load times left out). The incremental
warehouse is built as the pipeline builds it (`dbt build` with its data tests, so a test
that fails on an arrival order fails here); the reference skips the tests, which write
nothing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from foundation.settings import Settings
from ingestion.loader import load_landing
from orchestration.dbt.args import EXCLUDE_FROM_PRODUCTION
from tests.dbt.arrivals import plan_arrivals
from tests.metrics.helpers import dbt_around_churn_model
from tests.reliability.harness import LOAD_TIME_COLUMNS, PER_BUILD_COLUMNS, differences

# The load times an intermediate row carries besides LOAD_TIME_COLUMNS: the two warehouses
# load the same files at different times.
LOAD_TIMES = (*LOAD_TIME_COLUMNS, "fx_loaded_at", "invoice_loaded_at")
# The start of the run that first saw a row excluded: the two warehouses run at different
# times.
PER_RUN_COLUMNS = {"int_records_once_excluded": ("first_excluded_at",)}


def _build(warehouse: Path, landing: Path, as_of: str, *extra: str) -> None:
    load_landing(Settings(landing, warehouse))
    args = ("--vars", f"{{as_of: '{as_of}'}}", *EXCLUDE_FROM_PRODUCTION, *extra)
    dbt_around_churn_model("build", warehouse, warehouse.parent / "target", args=args)


@pytest.mark.timeout(1800)  # 16 dbt invocations, two at a time
@pytest.mark.parametrize("seed", [19])
def test_every_mart_equals_a_full_refresh_after_each_arrival(tmp_path: Path, seed: int) -> None:
    from generator import generate

    generated = tmp_path / "generated"
    generate(generated, accounts=40, start="2024-01", months=12, seed=seed, bad_rows=0.01,
             progress=False)  # fmt: skip
    landing = tmp_path / "landing"
    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    full = tmp_path / "full" / "warehouse.duckdb"
    for folder in (landing, incremental.parent, full.parent):
        folder.mkdir(parents=True)
    found = {}
    refresh = ("--full-refresh", "--exclude-resource-type", "test")
    for number, arrival in enumerate(plan_arrivals(generated, seed), start=1):
        arrival.write(landing)
        with ThreadPoolExecutor(2) as both:  # two warehouses, two dbt processes at once
            builds = [
                both.submit(_build, incremental, landing, arrival.as_of),
                both.submit(_build, full, landing, arrival.as_of, *refresh),
            ]
            for build in builds:
                build.result()
        diff = {
            f"{schema}.{table}": counts
            for schema in ("staging", "intermediate")
            for table, counts in differences(
                incremental, full, schema, LOAD_TIMES, PER_RUN_COLUMNS
            ).items()
        }
        diff |= differences(incremental, full, "marts", LOAD_TIME_COLUMNS, PER_BUILD_COLUMNS)
        print(f"arrival {number} ({len(arrival.files)} files, as of {arrival.as_of}): {diff}")
        if diff:
            found[f"after arrival {number} ({sorted(arrival.files)})"] = diff
    assert not found, found
