"""dbt models as Dagster assets, built with `dbt build`."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ingestion.ship import ShipError, ship_raw
from orchestration.dbt.args import build_args, failed_nodes
from orchestration.dbt.project import DBT_EXECUTABLE, dbt_project, manifest_path
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource


class RevopsTranslator(DagsterDbtTranslator):
    """Keys are `[schema, model]` (sources: `["raw", entity]`); groups are dbt layers."""

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
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(dbt_project.profiles_dir),
        dbt_executable=DBT_EXECUTABLE,
    )


@dbt_assets(
    manifest=manifest_path(),
    project=dbt_project,
    dagster_dbt_translator=RevopsTranslator(),
    pool=DUCKDB_POOL,
)
def revops_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    settings = warehouse.settings()
    if settings.engine != "duckdb":
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
    yield from invocation.stream()
    if not invocation.is_successful():
        raise dg.Failure(description=failed_nodes(invocation.get_artifact("run_results.json")))
