"""GX suites as Dagster asset checks: a failed `error` expectation stops what depends on
the layer's checked tables; a failed `warn` expectation is reported and everything
downstream still runs.

A real Dagster run of the real marts-layer checks (`build_layer_checks("marts")`) on
a warehouse built by the real pipeline (`pipeline_warehouse`). The mart assets
stand for the dbt models that built those tables; one report asset depends on
fct_invoices, one on fct_payments.
"""

from pathlib import Path

import dagster as dg

from expectations.runner import list_suites
from orchestration.defs.quality import build_layer_checks
from orchestration.defs.resources import WarehouseResource
from tests.quality.warehouse_sql import run_sql, scalar, warehouse_copy

MARTS = [suite.table for suite in list_suites("marts")]


@dg.multi_asset(specs=[dg.AssetSpec(["marts", table]) for table in MARTS], can_subset=True)
def marts_tables(context: dg.AssetExecutionContext):
    """Already in the warehouse: stands for the dbt models."""
    for key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key)


@dg.asset(deps=[dg.AssetKey(["marts", "fct_invoices"])])
def invoices_report() -> None:
    """Downstream of fct_invoices."""


@dg.asset(deps=[dg.AssetKey(["marts", "fct_payments"])])
def payments_report() -> None:
    """Downstream of fct_payments."""


def _run(warehouse: Path) -> dg.ExecuteInProcessResult:
    defs = dg.Definitions(
        assets=[marts_tables, invoices_report, payments_report],
        asset_checks=[build_layer_checks("marts")],
        resources={"warehouse": WarehouseResource(warehouse_path=str(warehouse))},
    )
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(raise_on_error=False)


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    return {
        e.asset_check_key.asset_key.path[-1]: (e.passed, e.severity.value)
        for e in result.get_asset_check_evaluations()
    }


def _all_passed_but(**outcomes: tuple[bool, str]) -> dict[str, tuple[bool, str]]:
    """Every marts check passed (every marts suite can block: ERROR) but `outcomes`."""
    return {table: outcomes.get(table, (True, "ERROR")) for table in MARTS}


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}


def test_a_failed_error_expectation_blocks_downstream(
    tmp_path: Path, pipeline_warehouse: Path
) -> None:
    warehouse = warehouse_copy(pipeline_warehouse, tmp_path)
    # fct_invoices loses a row that nothing excluded (error: nothing lost)
    run_sql(
        warehouse,
        "delete from marts.fct_invoices where invoice_id = "
        "(select min(invoice_id) from marts.fct_invoices)",
    )

    result = _run(warehouse)

    assert _checks(result) == _all_passed_but(fct_invoices=(False, "ERROR"))
    # One step checks the whole layer: a blocking failure stops everything downstream
    # of the layer's blocking checks, so publishing too.
    assert not {"invoices_report", "payments_report"} & _materialized(result)
    assert not result.success


def test_a_failed_warn_expectation_is_reported_and_everything_runs(
    tmp_path: Path, pipeline_warehouse: Path
) -> None:
    warehouse = warehouse_copy(pipeline_warehouse, tmp_path)
    # more than half of fct_payments moves to int_records_excluded: the reconciliation
    # holds, but the fact fell below half its count at the pipeline's validation (warn)
    payments = scalar(warehouse, "select count(*) from marts.fct_payments")
    run_sql(
        warehouse,
        "create temp table moved as select payment_id from marts.fct_payments "
        f"order by all limit {payments // 2 + 1}",
        "insert into intermediate.int_records_excluded (entity, record_key, is_flagged) "
        "select 'payments', payment_id, true from moved",
        "delete from marts.fct_payments where payment_id in (select * from moved)",
    )

    result = _run(warehouse)

    assert _checks(result) == _all_passed_but(fct_payments=(False, "WARN"))
    assert {"invoices_report", "payments_report"} <= _materialized(result)
    assert result.success


def test_the_pipelines_marts_pass_and_everything_runs(
    tmp_path: Path, pipeline_warehouse: Path
) -> None:
    result = _run(warehouse_copy(pipeline_warehouse, tmp_path))

    assert result.success
    assert _checks(result) == _all_passed_but()
    assert {"invoices_report", "payments_report"} <= _materialized(result)
