"""Quality domain: each Great Expectations suite is an asset check on its table."""

import dagster as dg

from expectations.runner import list_suites, validate
from foundation.checks import can_block
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource

LAYERS = ("raw", "staging", "marts")


def _check_name(table: str) -> str:
    return f"gx_{table}"


def build_layer_checks(layer: str) -> dg.AssetChecksDefinition:
    """One step validates every suite of a layer; each suite reports on its own asset.

    A suite with an `error` expectation is blocking: when such an expectation
    fails, the check reports severity ERROR and stops the assets downstream of
    that table, and so publishing; when only `warn` expectations fail, it
    reports WARN and everything runs (`SuiteResult.check_severity`).
    """
    suites = list_suites(layer=layer)
    specs = [
        dg.AssetCheckSpec(
            name=_check_name(suite.table),
            asset=dg.AssetKey([suite.schema, suite.table]),
            blocking=can_block(suite.severity),
            description=f"Great Expectations suite {suite.name} (severity {suite.severity})",
        )
        for suite in suites
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"gx_{layer}",
        can_subset=True,
        pool=DUCKDB_POOL,
        description=f"Great Expectations suites of the {layer} layer",
    )
    def _layer_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.step_settings()
        selected = {key.name for key in context.selected_asset_check_keys}
        names = [s.name for s in suites if _check_name(s.table) in selected]
        results = validate(settings, suites=names, run_id=context.run.run_id)
        for result in results:
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey([result.schema, result.table]),
                check_name=_check_name(result.table),
                passed=bool(result.success),
                severity=(
                    dg.AssetCheckSeverity.ERROR
                    if can_block(result.check_severity)
                    else dg.AssetCheckSeverity.WARN
                ),
                metadata=result.as_metadata(),
                description=result.message(),
            )

    return _layer_checks


quality_checks: list[dg.AssetChecksDefinition] = [build_layer_checks(layer) for layer in LAYERS]

__all__ = ["quality_checks"]
