"""The churn-risk model's evaluation as Dagster metadata: an asset check on
marts.model_evaluation that reports the row this build appended (AUC, base rate,
accounts, windows). Informative only: it never blocks, and it fails (WARN) only when
the build left no evaluation row."""

from __future__ import annotations

from typing import Any

import dagster as dg

from foundation.duck import connect
from foundation.settings import Settings
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource

MODEL_EVALUATION = dg.AssetKey(["marts", "model_evaluation"])
AUC_GOAL = 0.75  # the sample company's goal (issue 16); shown, not enforced

LATEST_EVALUATION = """
select *
from marts.model_evaluation
order by trained_at desc
limit 1
"""


def latest_evaluation(settings: Settings) -> dict[str, Any] | None:
    """The latest row of marts.model_evaluation, or None when there is none."""
    with connect(settings.warehouse, settings, read_only=True) as con:
        cursor = con.execute(LATEST_EVALUATION)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([column[0] for column in cursor.description], row, strict=True))


def evaluation_metadata(row: dict[str, Any]) -> dict[str, Any]:
    """Dagster metadata of an evaluation row: numbers as numbers, the rest as text."""
    metadata: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            metadata[name] = dg.MetadataValue.null()
        elif isinstance(value, bool | int | float):
            metadata[name] = value
        else:
            metadata[name] = str(value)
    return metadata


def evaluation_description(row: dict[str, Any]) -> str:
    if row["auc"] is None:
        return f"churn model: {row['model_status']}, no AUC"
    return (
        f"churn model AUC {row['auc']:.3f} (goal {AUC_GOAL}) on {row['test_accounts']} "
        f"accounts, {row['test_rows']} account-months, base rate {row['base_rate']:.3f}"
    )


@dg.asset_check(
    asset=MODEL_EVALUATION,
    name="churn_model_evaluation",
    blocking=False,
    pool=DUCKDB_POOL,
    description="The churn-risk model's evaluation of this build (AUC, base rate, accounts)",
)
def churn_model_evaluation(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    row = latest_evaluation(warehouse.settings())
    if row is None:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description="marts.model_evaluation holds no row",
        )
    return dg.AssetCheckResult(
        passed=True,
        metadata=evaluation_metadata(row),
        description=evaluation_description(row),
    )
