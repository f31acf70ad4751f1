"""The churn-risk model (docs/metrics.md (Account 360)): its features in, its scores and
evaluation out. No I/O here: `ml.churn_step` reads and writes the engine.

Scores. Grain: one row per account and month of int_account_features_monthly with
MRR > 0 that is either a known outcome (split `train` or `test`) or the as-of month
(split `current`). The latest TEST_MONTHS months with a known 3-month outcome are held
out (`test`); the known months whose outcome window ends before the test window's first
outcome month train the model (`train`): the LABEL_MONTHS - 1 months just before the
test window are left out, so no churn is the label of a train row and of a test row (a
churn in June labels March to May: with a test window from April, March would train on
the same event the April row is tested on). One model, fitted on the train rows, scores
the test rows (the evaluation) and the current rows (churn_risk in account_360); train
rows carry no score.

Evaluation. Grain: one row. The as-of month, the train and test windows (first and last
month), their rows, the accounts and churned rows of the test window, its base rate
(churned / rows) and the AUC of the model's scores on it (sklearn.metrics.roc_auc_score),
and how many current accounts were scored. The AUC is null when no model was fitted or
the test window holds only one class; model_status says which. marts.model_evaluation
appends this row on every run.

Deterministic: rows are sorted, the sample of a large company and the model have fixed
seeds. With too few known outcomes (a small or young company) nothing is fitted:
churn_risk is null and model_status says why; the step never fails for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
FLAGS = ("is_outcome_known", "is_as_of_month")
# The columns of int_account_features_monthly the model reads, in this order.
INPUT_COLUMNS = ("account_id", "month", *FEATURES, LABEL, *FLAGS)
SORT_KEYS = ("month", "account_id")
LABEL_MONTHS = 3  # the label looks this many months ahead
TEST_MONTHS = 6
# Fewer churned (or retained) train rows than this: no model.
MIN_CLASS_ROWS = 20
# A larger company trains on a fixed-seed sample of this many rows (benchmark scale).
MAX_TRAIN_ROWS = 300_000
SEED = 16

# The tables the step writes: the column names and types the dbt Python models had
# (dbt-duckdb stored pandas' datetime64 as TIMESTAMP, the label as DOUBLE).
SCORES_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("month", pa.timestamp("us")),
        ("split", pa.string()),
        ("churned_within_3_months", pa.float64()),
        ("churn_risk", pa.float64()),
        ("model_status", pa.string()),
    ]
)
EVALUATION_SCHEMA = pa.schema(
    [
        ("model_status", pa.string()),
        ("as_of_month", pa.timestamp("us")),
        ("train_start_month", pa.timestamp("us")),
        ("train_end_month", pa.timestamp("us")),
        ("test_start_month", pa.timestamp("us")),
        ("test_end_month", pa.timestamp("us")),
        ("train_rows", pa.int64()),
        ("train_accounts", pa.int64()),
        ("test_rows", pa.int64()),
        ("test_accounts", pa.int64()),
        ("test_churned_rows", pa.int64()),
        ("base_rate", pa.float64()),
        ("auc", pa.float64()),
        ("scored_accounts", pa.int64()),
    ]
)
# pandas dtypes of the same columns (the frames score() and evaluate() return)
_PANDAS_TYPES = {
    pa.string(): "str",
    pa.timestamp("us"): "datetime64[us]",
    pa.float64(): "float64",
    pa.int64(): "int64",
}
SCORES_COLUMNS = {field.name: _PANDAS_TYPES[field.type] for field in SCORES_SCHEMA}
EVALUATION_COLUMNS = {field.name: _PANDAS_TYPES[field.type] for field in EVALUATION_SCHEMA}


class FeaturesError(ValueError):
    """The features table lacks a column the model reads (one line, columns named)."""


def features_frame(table: pa.Table) -> pd.DataFrame:
    """The INPUT_COLUMNS of `table` as the model reads them, whatever the engine's types:
    features and the label as float64 (an engine's integers, HUGEINT or numeric become
    doubles), the flags as booleans, month as a timestamp."""
    missing = [name for name in INPUT_COLUMNS if name not in table.column_names]
    if missing:
        raise FeaturesError(f"the features lack the column(s) {', '.join(missing)}")
    types = {
        "account_id": pa.string(),
        "month": pa.timestamp("us"),
        **dict.fromkeys(FEATURES, pa.float64()),
        LABEL: pa.bool_(),
        **dict.fromkeys(FLAGS, pa.bool_()),
    }
    columns = {name: pc.cast(table.column(name), types[name]) for name in INPUT_COLUMNS}
    return pa.table(columns).to_pandas()


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
    return rows.sort_values(list(SORT_KEYS), kind="stable").reset_index(drop=True)


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


def score(rows: pd.DataFrame) -> pd.DataFrame:
    """Fit on the train rows, score the test and current rows; the SCORES_COLUMNS frame."""
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
    return out.astype(SCORES_COLUMNS)


def _matrix(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    return frame[features].astype(float).to_numpy()


def evaluate(scores: pd.DataFrame, as_of_month) -> pd.DataFrame:
    """One row of EVALUATION_COLUMNS from the rows score() returned."""
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
    return pd.DataFrame([row]).astype(EVALUATION_COLUMNS)


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """A frame of score() or evaluate() as an Arrow table of exactly `schema` (NaN: null)."""
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
