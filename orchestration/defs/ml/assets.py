"""The churn-risk model as one step of two assets, between the dbt models.

It reads the dbt assets `intermediate/int_account_features_monthly` and
`intermediate/int_metric_months_spined` and writes `ml/churn_risk_scored` and
`ml/churn_model_evaluated`, the keys the dbt translator gives the dbt sources
`source('ml', ...)` (`[source_name, table]`): dagster-dbt makes account_360 and
model_evaluation depend on this asset, so Dagster runs the dbt models in two steps
around it. Its check `churn_model_evaluation` carries the evaluation (AUC, base rate,
accounts, windows) as metadata; informative only, it never blocks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dagster as dg

from ml.churn_step import (
    EVALUATION_TABLE,
    FEATURES_TABLE,
    ML_SCHEMA,
    SCORES_TABLE,
    SPINE_TABLE,
    score_warehouse,
)
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource

ML_GROUP = "ml"
CHURN_SCORES = dg.AssetKey([ML_SCHEMA, SCORES_TABLE])
CHURN_EVALUATION = dg.AssetKey([ML_SCHEMA, EVALUATION_TABLE])
FEATURES = dg.AssetKey(list(FEATURES_TABLE))
SPINE = dg.AssetKey(list(SPINE_TABLE))
KINDS = {"python", "scikit-learn"}


def evaluation_metadata(row: dict[str, Any]) -> dict[str, Any]:
    """Dagster metadata of an evaluation row: numbers as numbers, the rest as text."""
    metadata: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            metadata[name] = dg.MetadataValue.null()
        elif isinstance(value, bool | int | float):
            metadata[name] = value
        elif isinstance(value, datetime):  # the months: their first day, at midnight
            metadata[name] = value.date().isoformat()
        else:
            metadata[name] = str(value)
    return metadata


@dg.multi_asset(
    name="churn_model",
    specs=[
        dg.AssetSpec(
            CHURN_SCORES,
            deps=[FEATURES],
            group_name=ML_GROUP,
            kinds=KINDS,
            description="The churn-risk model (ml/churn.py): fitted on the known outcomes "
            "before the latest 6 known months, scoring those (test) and the as-of month "
            "(current); read by account_360 as source('ml', 'churn_risk_scored').",
        ),
        dg.AssetSpec(
            CHURN_EVALUATION,
            deps=[CHURN_SCORES, SPINE],
            group_name=ML_GROUP,
            kinds=KINDS,
            description="The churn-risk model's evaluation on the held-out test window "
            "(AUC, base rate, windows); model_evaluation appends it.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "churn_model_evaluation",
            asset=CHURN_EVALUATION,
            blocking=False,
            description="The churn-risk model's evaluation of this run (AUC, base rate, accounts)",
        )
    ],
    pool=DUCKDB_POOL,
)
def churn_model(warehouse: WarehouseResource):
    run = score_warehouse(warehouse.step_settings())
    yield dg.MaterializeResult(
        asset_key=CHURN_SCORES,
        metadata={
            **{f"{split}_rows": rows for split, rows in run.rows_by_split.items()},
            "model_status": run.evaluation["model_status"],
        },
    )
    metadata = evaluation_metadata(run.evaluation)
    yield dg.MaterializeResult(asset_key=CHURN_EVALUATION, metadata=metadata)
    yield dg.AssetCheckResult(
        asset_key=CHURN_EVALUATION,
        check_name="churn_model_evaluation",
        passed=True,
        metadata=metadata,
        description=run.description(),
    )
