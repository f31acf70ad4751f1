"""The churn model's check: the evaluation row of the step as metadata and one line."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from ml.churn_step import ChurnModelRun
from orchestration.defs.ml.assets import evaluation_metadata


def test_the_evaluation_becomes_numbers_and_text() -> None:
    row = {
        "model_status": "trained",
        "as_of_month": datetime(2025, 12, 1),
        "auc": 0.83,
        "base_rate": 0.04,
        "test_accounts": 410,
        "test_rows": 2000,
    }
    metadata = evaluation_metadata(row)
    assert metadata["auc"] == 0.83 and metadata["test_accounts"] == 410
    assert metadata["as_of_month"] == "2025-12-01"
    assert ChurnModelRun({}, row, 1.0).description() == (
        "churn model AUC 0.830 (goal 0.75) on 410 accounts, 2000 account-months, base rate 0.040"
    )


def test_no_model_no_auc() -> None:
    row = {"model_status": "too_few_known_outcomes", "auc": None, "base_rate": None}
    assert ChurnModelRun({}, row, 1.0).description() == (
        "churn model: too_few_known_outcomes, no AUC"
    )
    assert evaluation_metadata(row)["auc"] == dg.MetadataValue.null()
