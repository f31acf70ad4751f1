"""dbt models as Dagster assets, built with `dbt build`."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    dbt_assets,
)

from foundation.settings import Settings
from ingestion.ship import ShipError, ship_raw
from orchestration.dbt.args import AFTER_ML, build_args, failure_account, unreported_nodes
from orchestration.dbt.cli import client_resource
from orchestration.dbt.project import dbt_project, manifest_path
from orchestration.dbt.watchdog import ends_with_this_process
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource


class RevopsTranslator(DagsterDbtTranslator):
    """Keys are `[schema, model]`; a source is `[source_name, table]` (`raw/<entity>`, and
    `ml/<table>`: the churn model's asset); groups are dbt layers."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey([props["source_name"], props["name"]]))
        schema = props.get("schema") or "main"
        return spec.replace_attributes(
            key=dg.AssetKey([schema, props["name"]]),
            group_name=schema,
        )


class DbtBuildConfig(dg.Config):
    """Knobs of one dbt build."""

    as_of: str = ""
    """The run's as-of date (YYYY-MM-DD); empty: the latest event date in the data."""
    full_refresh: bool = False
    """Rebuild incremental models from scratch."""


def dbt_resource() -> DbtCliResource:
    return client_resource(dbt_project, str(dbt_project.profiles_dir))


def build_dbt_assets(
    name: str, select: str, exclude: str | None, *, ship: bool
) -> dg.AssetsDefinition:
    """One `dbt build` step over the models `select` / `exclude` choose; `ship`: first
    send the engine the raw batches it lacks (the first step, on postgres or spark)."""

    @dbt_assets(
        manifest=manifest_path(),
        project=dbt_project,
        dagster_dbt_translator=RevopsTranslator(
            settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
        ),
        name=name,
        select=select,
        exclude=exclude,
        pool=DUCKDB_POOL,
    )
    def _dbt_models(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        config: DbtBuildConfig,
    ):
        settings = warehouse.step_settings()
        if ship and settings.engine != "duckdb":
            # dbt reads raw.<entity> on its engine: first send it the batches it lacks
            # (all entities at once: a Spark session costs seconds to open).
            try:
                shipped = ship_raw(settings)
            except ShipError as error:
                raise dg.Failure(description=str(error)) from None
            context.log.info(shipped.summary())
        # dbt runs as a child process; the warehouse path, limits and the engine's
        # connection reach its profile as --target and --vars, from this run's settings.
        args = build_args(settings, as_of=config.as_of, full_refresh=config.full_refresh)
        invocation = dbt.cli(args, context=context, raise_on_error=False)
        reported: set[str] = set()
        with ends_with_this_process(invocation.process):
            for event in invocation.stream():
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    unique_id = (event.metadata or {}).get("unique_id")
                    reported.add(str(getattr(unique_id, "value", unique_id)))
                yield event
        if not invocation.is_successful():
            raise _failure(invocation, settings)
        lost = unreported_nodes(invocation.get_artifact("run_results.json"), reported)
        if lost:
            raise dg.Failure(
                description=f"dbt built {len(lost)} node(s) whose events never reached "
                f"Dagster (a line of dbt's JSON log on stdout was garbled): {', '.join(lost)}"
            )

    return _dbt_models


def _failure(invocation: DbtCliInvocation, settings: Settings) -> dg.Failure:
    """The failed nodes of a failed dbt build (with the broken rules of a failed
    column_rules test); or, when dbt stopped before writing run_results.json (it could
    not connect, say), its last error line."""
    if (invocation.target_path / "run_results.json").exists():
        results = invocation.get_artifact("run_results.json")
        return dg.Failure(description=failure_account(results, settings))
    lines = [line.strip() for line in str(invocation.get_error()).splitlines() if line.strip()]
    return dg.Failure(description=f"dbt build failed before running any node: {lines[-1]}")


# Two dbt steps around the Python models (orchestration/defs/ml): everything but what
# reads their tables, then what does. One multi-asset split by Dagster around the ml
# asset would make three dbt steps, and dbt's indirect test selection would run a test
# in the step before its model is built (docs/architecture.md, The dbt project).
revops_dbt_models = build_dbt_assets(
    "revops_dbt_models", select="fqn:*", exclude=AFTER_ML, ship=True
)
revops_dbt_after_ml = build_dbt_assets(
    "revops_dbt_after_ml", select=AFTER_ML, exclude=None, ship=False
)
DBT_ASSETS = (revops_dbt_models, revops_dbt_after_ml)
