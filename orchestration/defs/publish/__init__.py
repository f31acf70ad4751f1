"""Publish domain: the serving database and Parquet copies for BI readers."""

import dagster as dg

from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.defs.transform import revops_dbt_models
from serving.publish import publish

MART_KEYS = sorted(
    (key for key in revops_dbt_models.keys if key.path[0] == "marts"),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    key=["serving", "marts"],
    deps=MART_KEYS,
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
