"""Publish domain: the serving database and Parquet copies for BI readers."""

import json

import dagster as dg

from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.defs.transform.project import dbt_project
from revops.publish import publish


def mart_keys() -> list[dg.AssetKey]:
    """Every dbt model built in the `marts` schema: what BI readers see."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    return sorted(
        (
            dg.AssetKey(["marts", node["name"]])
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node.get("schema") == "marts"
        ),
        key=lambda key: key.to_user_string(),
    )


@dg.asset(
    key=["serving", "marts"],
    deps=mart_keys(),
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool=DUCKDB_POOL,
    description="serving.duckdb (DuckDB 1.4+ readable) and parquet/<mart>.parquet, "
    "swapped in atomically once every blocking check has passed.",
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    result = publish(warehouse.settings(), run_id=context.run_id)
    return dg.MaterializeResult(metadata=result.as_metadata())


__all__ = ["published_marts"]
