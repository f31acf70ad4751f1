"""The churn-risk model's evaluation in this build (docs/metrics.md (Account 360)).

Grain: one row. The as-of month, the train and test windows (first and last month),
their rows, the accounts and churned rows of the test window, its base rate (churned /
rows) and the AUC of the model's scores on it (sklearn.metrics.roc_auc_score), and how
many current accounts were scored. The AUC is null when no model was fitted or the test
window holds only one class; model_status says which. marts.model_evaluation appends
this row on every run.
"""

from __future__ import annotations

import pandas as pd

OUTPUT_COLUMNS = {
    "model_status": "str",
    "as_of_month": "datetime64[us]",
    "train_start_month": "datetime64[us]",
    "train_end_month": "datetime64[us]",
    "test_start_month": "datetime64[us]",
    "test_end_month": "datetime64[us]",
    "train_rows": "int64",
    "train_accounts": "int64",
    "test_rows": "int64",
    "test_accounts": "int64",
    "test_churned_rows": "int64",
    "base_rate": "float64",
    "auc": "float64",
    "scored_accounts": "int64",
}


def evaluate(scores: pd.DataFrame, as_of_month) -> pd.DataFrame:
    """One row of OUTPUT_COLUMNS from the rows of int_churn_risk_scored."""
    from sklearn.metrics import roc_auc_score

    train = scores[scores["split"] == "train"]
    test = scores[scores["split"] == "test"]
    current = scores[scores["split"] == "current"]
    status = scores["model_status"].iloc[0] if len(scores) else "no_paying_accounts"
    labels = test["churned_within_3_months"]
    churned = int(labels.sum()) if len(test) else 0
    auc = None
    if status == "trained":
        if 0 < churned < len(test):
            auc = float(roc_auc_score(labels.astype(int), test["churn_risk"]))
        else:
            status = "trained_test_has_one_class"
    row = {
        "model_status": status,
        "as_of_month": as_of_month,
        "train_start_month": train["month"].min() if len(train) else None,
        "train_end_month": train["month"].max() if len(train) else None,
        "test_start_month": test["month"].min() if len(test) else None,
        "test_end_month": test["month"].max() if len(test) else None,
        "train_rows": len(train),
        "train_accounts": train["account_id"].nunique(),
        "test_rows": len(test),
        "test_accounts": test["account_id"].nunique(),
        "test_churned_rows": churned,
        "base_rate": churned / len(test) if len(test) else None,
        "auc": auc,
        "scored_accounts": int(current["churn_risk"].notna().sum()),
    }
    return pd.DataFrame([row]).astype(OUTPUT_COLUMNS)


def model(dbt, session):
    dbt.config(materialized="table")
    scores = dbt.ref("int_churn_risk_scored").df()
    months = dbt.ref("int_metric_months_spined").df()
    as_of_month = pd.to_datetime(months["month"]).max() if len(months) else None
    return evaluate(scores, as_of_month)
