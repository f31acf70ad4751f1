"""Publish domain: the serving database and Parquet copies for BI readers, and the
revenue report drawn from them."""

import dagster as dg

from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.defs.transform import DBT_ASSETS
from serving.publish import publish
from serving.report import write_report

MART_KEYS = sorted(
    (key for assets in DBT_ASSETS for key in assets.keys if key.path[0] == "marts"),
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
    result = publish(warehouse.step_settings(), run_id=context.run_id)
    return dg.MaterializeResult(metadata=result.as_metadata())


@dg.asset(
    key=["serving", "report"],
    deps=[published_marts],
    group_name="publish",
    kinds={"plotly", "html"},
    description="report/index.html: KPI tiles and charts of the serving marts in one "
    "self-contained page (no network needed), swapped in atomically.",
)
def report(warehouse: WarehouseResource) -> dg.MaterializeResult:
    result = write_report(warehouse.step_settings())
    return dg.MaterializeResult(metadata=result.as_metadata())


__all__ = ["published_marts", "report"]
