"""The churn-risk model (docs/metrics.md (Account 360)): trained and scored in one step.

Grain: one row per account and month of int_account_features_monthly with MRR > 0
that is either a known outcome (split `train` or `test`) or the as-of month (split
`current`). The latest TEST_MONTHS months with a known 3-month outcome are held out
(`test`); the known months whose outcome window ends before the test window's first
outcome month train the model (`train`): the LABEL_MONTHS - 1 months just before the
test window are left out, so no churn is the label of a train row and of a test row
(a churn in June labels March to May: with a test window from April, March would
train on the same event the April row is tested on). One model, fitted on the train
rows, scores the test rows (the evaluation) and the current rows (churn_risk in
account_360); train rows carry no score.

A dbt Python model (dbt-duckdb runs it in the dbt process, on the same DuckDB file):
training sits between two dbt models, so it stays in the one `dbt build` and the
Dagster graph needs no asset between dbt steps. Deterministic: rows are sorted, the
sample of a large company and the model have fixed seeds. With too few known outcomes
(a small or young company) nothing is fitted: churn_risk is null and model_status says
why; the build never fails for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = (
    "mrr",
    "mrr_change_1m",
    "mrr_change_3m",
    "mrr_share_of_peak",
    "months_as_customer",
    "days_to_period_end",
    "open_ar_usd",
    "open_ar_to_mrr",
    "max_days_past_due",
    "past_due_invoices",
    "late_paid_invoices_6m",
    "activities_3m",
    "days_since_last_activity",
    "open_quotes",
    "open_pipeline_value",
    "csat_responses_3m",
    "csat_3m",
    "avg_csat_score_3m",
    "avg_csat_score_change_3m",
    "active_users",
    "seat_utilization",
    "active_users_change_3m",
)
LABEL = "churned_within_3_months"
LABEL_MONTHS = 3  # the label looks this many months ahead
TEST_MONTHS = 6
# Fewer churned (or retained) train rows than this: no model.
MIN_CLASS_ROWS = 20
# A larger company trains on a fixed-seed sample of this many rows (benchmark scale).
MAX_TRAIN_ROWS = 300_000
SEED = 16

OUTPUT_COLUMNS = {
    "account_id": "str",
    "month": "datetime64[us]",
    "split": "str",
    "churned_within_3_months": "float64",
    "churn_risk": "float64",
    "model_status": "str",
}


def _classifier():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=200,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )


def split_rows(features: pd.DataFrame) -> pd.DataFrame:
    """The rows the model uses, with their split: train, test (latest known months), current."""
    paying = features[features["mrr"] > 0]
    known = paying[paying["is_outcome_known"].fillna(False).astype(bool)]
    known_months = sorted(known["month"].unique())
    test_months = known_months[-TEST_MONTHS:]
    # train rows' outcome windows end before the first test row's begins
    train_before = (
        pd.Timestamp(test_months[0]) - pd.DateOffset(months=LABEL_MONTHS - 1)
        if test_months
        else pd.Timestamp.max
    )
    is_known = paying["is_outcome_known"].fillna(False).astype(bool)
    split = np.select(
        [
            paying["is_as_of_month"].fillna(False).astype(bool),
            is_known & paying["month"].isin(set(test_months)),
            is_known & (paying["month"] < train_before),
        ],
        ["current", "test", "train"],
        default="",
    )
    rows = paying.assign(split=split)
    rows = rows[rows["split"] != ""]
    return rows.sort_values(["month", "account_id"], kind="stable").reset_index(drop=True)


def score(rows: pd.DataFrame) -> pd.DataFrame:
    """Fit on the train rows, score the test and current rows; the OUTPUT_COLUMNS frame."""
    train = rows[rows["split"] == "train"]
    if len(train) > MAX_TRAIN_ROWS:
        train = train.sample(n=MAX_TRAIN_ROWS, random_state=SEED).sort_index()
    labels = train[LABEL].astype(float)
    churned = int(labels.sum())
    risk = pd.Series(np.nan, index=rows.index, dtype="float64")
    if min(churned, len(train) - churned) < MIN_CLASS_ROWS:
        status = "too_few_known_outcomes"
    else:
        status = "trained"
        # a feature with no value at all (an optional entity that never landed) is left
        # out: the trees cannot bin an empty column
        features = [name for name in FEATURES if train[name].notna().any()]
        model = _classifier().fit(_matrix(train, features), labels.astype(int))
        scored = rows["split"] != "train"
        if scored.any():
            risk[scored] = model.predict_proba(_matrix(rows[scored], features))[:, 1]
    out = pd.DataFrame(
        {
            "account_id": rows["account_id"],
            "month": rows["month"],
            "split": rows["split"],
            "churned_within_3_months": rows[LABEL].astype(float),
            "churn_risk": risk,
            "model_status": status,
        }
    )
    return out.astype(OUTPUT_COLUMNS)


def _matrix(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    return frame[features].astype(float).to_numpy()


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("int_account_features_monthly").df()
    features["month"] = pd.to_datetime(features["month"])
    return score(split_rows(features))
