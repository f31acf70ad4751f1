"""GX suites as Dagster asset checks: an `error` suite that fails stops what depends on
its table; a `warn` suite that fails is reported and everything downstream still runs.

A real Dagster run of the real marts-layer checks (`build_layer_checks("marts")`) on
a real DuckDB warehouse (the hand-written one of tests/quality). The mart assets
stand for the dbt models that built those tables; one report asset depends on a
mart with an `error` suite, one on a mart with a `warn` suite.
"""

from pathlib import Path

import dagster as dg
import duckdb

from expectations.runner import list_suites
from orchestration.defs.quality import build_layer_checks
from orchestration.defs.resources import WarehouseResource
from tests.quality.quality_warehouse import build_clean_warehouse

MARTS = [suite.table for suite in list_suites("marts")]


@dg.multi_asset(specs=[dg.AssetSpec(["marts", table]) for table in MARTS], can_subset=True)
def marts_tables(context: dg.AssetExecutionContext):
    """Already in the warehouse: stands for the dbt models."""
    for key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key)


@dg.asset(deps=[dg.AssetKey(["marts", "fct_mrr"])])
def mrr_report() -> None:
    """Downstream of fct_mrr, whose suite is `error`."""


@dg.asset(deps=[dg.AssetKey(["marts", "ar_aging_monthly"])])
def aging_report() -> None:
    """Downstream of ar_aging_monthly, whose suite is `warn`."""


def _run(warehouse: Path) -> dg.ExecuteInProcessResult:
    defs = dg.Definitions(
        assets=[marts_tables, mrr_report, aging_report],
        asset_checks=[build_layer_checks("marts")],
        resources={"warehouse": WarehouseResource(warehouse_path=str(warehouse))},
    )
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(raise_on_error=False)


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    return {
        e.asset_check_key.asset_key.path[-1]: (e.passed, e.severity.value)
        for e in result.get_asset_check_evaluations()
    }


def test_error_check_blocks_downstream_and_warn_check_does_not(tmp_path: Path) -> None:
    warehouse = build_clean_warehouse(tmp_path / "wh" / "revops.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        # a1 February: prev 100 + movement 50 is 150, mrr says 151 (error suite)
        con.execute(
            "update marts.fct_mrr set mrr = 151 where account_id = 'a1' and month = '2024-02-01'"
        )
        # one negative receivable in an aging bucket (warn suite)
        con.execute("update marts.ar_aging_monthly set amount = -1 where bucket = 'current'")

    result = _run(warehouse)

    checks = _checks(result)
    assert checks["fct_mrr"] == (False, "ERROR")
    assert checks["ar_aging_monthly"] == (False, "WARN")
    assert all(
        passed
        for name, (passed, _) in checks.items()
        if name not in {"fct_mrr", "ar_aging_monthly"}
    )
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "aging_report" in materialized, "a failed warn check is reported only"
    assert "mrr_report" not in materialized, "a failed error check blocks what is downstream"
    assert not result.success


def test_clean_marts_pass_and_everything_runs(tmp_path: Path) -> None:
    warehouse = build_clean_warehouse(tmp_path / "wh" / "revops.duckdb")

    result = _run(warehouse)

    assert result.success
    assert set(_checks(result).values()) == {(True, "ERROR"), (True, "WARN")}
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert {"aging_report", "mrr_report"} <= materialized
