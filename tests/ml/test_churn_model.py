"""The churn-risk model's functions (ml/churn.py): splits, the too-few-outcomes rule,
determinism, the evaluation row, and the features as any engine returns them."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ml import churn
from tests.ml.company import features


def test_the_latest_six_known_months_are_held_out_and_the_as_of_month_is_scored():
    frame = features(accounts=2, months=12)
    frame.loc[(frame["account_id"] == "A001") & (frame["month"] == "2023-02-01"), "mrr"] = 0
    rows = churn.split_rows(frame)
    months = {split: sorted(rows[rows["split"] == split]["month"].dt.strftime("%m").unique())
              for split in ("train", "test", "current")}  # fmt: skip
    # 12 months: outcomes known for months 1..9; test 4..9 (labels from months 5..12);
    # train 1 only: the labels of 2 (months 3..5) and 3 (4..6) overlap the test's;
    # current 12; 10 and 11 (unknown outcome, not as-of) are left out
    assert months == {
        "train": ["01"],
        "test": ["04", "05", "06", "07", "08", "09"],
        "current": ["12"],
    }
    assert len(rows[rows["split"] == "train"]) == 2  # one row per account
    assert len(rows[rows["split"] == "test"]) == 12


def test_too_few_known_outcomes_give_no_model_and_no_risk():
    out = churn.score(churn.split_rows(features(accounts=3, months=12)))
    assert set(out["model_status"]) == {"too_few_known_outcomes"}
    assert out["churn_risk"].isna().all()
    row = churn.evaluate(out, pd.Timestamp("2023-12-01")).iloc[0]
    assert row["model_status"] == "too_few_known_outcomes"
    assert pd.isna(row["auc"])
    assert row["scored_accounts"] == 0


def test_an_empty_company_gives_an_evaluation_row():
    empty = features(accounts=1, months=1).iloc[0:0]
    out = churn.score(churn.split_rows(empty))
    assert len(out) == 0
    row = churn.evaluate(out, None).iloc[0]
    assert row["model_status"] == "no_paying_accounts"
    assert (row["train_rows"], row["test_rows"]) == (0, 0)


def test_the_model_finds_the_signal_and_is_deterministic():
    frame = features(accounts=150, months=24)
    first = churn.score(churn.split_rows(frame))
    again = churn.score(churn.split_rows(frame.sample(frac=1, random_state=3)))
    pd.testing.assert_frame_equal(first, again)
    row = churn.evaluate(first, pd.Timestamp("2024-12-01")).iloc[0]
    assert row["model_status"] == "trained"
    assert row["auc"] > 0.9
    test = first[first["split"] == "test"]
    assert row["test_rows"] == len(test) == 150 * 6
    assert row["base_rate"] == pytest.approx(test["churned_within_3_months"].mean())
    assert row["scored_accounts"] == 150
    assert str(row["test_start_month"].date()) == "2024-04-01"
    # the outcome windows of 2024-02 and 2024-03 reach into the test's: not trained on
    assert str(row["train_end_month"].date()) == "2024-01-01"


def test_features_without_any_value_are_left_out():
    # csat and usage never landed: their features are null on every row
    frame = features(accounts=150, months=24).assign(csat_3m=np.nan, active_users=np.nan)
    out = churn.score(churn.split_rows(frame))
    assert set(out["model_status"]) == {"trained"}
    assert out[out["split"] == "current"]["churn_risk"].notna().all()


def test_the_features_read_alike_whatever_types_the_engine_returns():
    # DuckDB returns a sum of integers as HUGEINT (Arrow decimal128(38, 0)), Postgres as
    # numeric; counts come as int64 with nulls, the month as a date, flags as booleans
    # with nulls. The model sees doubles, a timestamp and booleans.
    columns = {name: pa.array([1.5, None], pa.float64()) for name in churn.FEATURES}
    columns["past_due_invoices"] = pa.array([Decimal(3), None], pa.decimal128(38, 0))
    columns["open_quotes"] = pa.array([2, None], pa.int64())
    table = pa.table(
        {
            "account_id": pa.array(["A1", "A2"], pa.large_string()),
            "month": pa.array([pd.Timestamp("2024-01-01").date()] * 2, pa.date32()),
            **columns,
            "churned_within_3_months": pa.array([True, None]),
            "is_outcome_known": pa.array([True, False]),
            "is_as_of_month": pa.array([False, None]),
            "ignored": pa.array([1, 2]),
        }
    )
    frame = churn.features_frame(table)
    assert list(frame.columns) == list(churn.INPUT_COLUMNS)
    assert str(frame["month"].dtype) == "datetime64[us]"
    assert frame["past_due_invoices"].tolist()[0] == 3.0
    assert pd.isna(frame["past_due_invoices"].tolist()[1])
    assert frame["open_quotes"].dtype == np.float64 and frame["open_quotes"].iloc[0] == 2.0
    assert frame["churned_within_3_months"].tolist()[0] is True
    # a current row (label unknown) becomes NaN in the scores, as in the dbt model before
    assert frame["churned_within_3_months"].astype(float).tolist()[0] == 1.0
    assert pd.isna(frame["churned_within_3_months"].astype(float).tolist()[1])


def test_features_without_a_column_the_model_reads_name_it():
    table = pa.table({"account_id": ["A1"], "month": [pd.Timestamp("2024-01-01")]})
    with pytest.raises(churn.FeaturesError, match="lack the column\\(s\\) mrr, mrr_change_1m"):
        churn.features_frame(table)


def test_the_written_frames_have_the_tables_types():
    # the Arrow tables the step writes carry the dbt Python models' column types
    out = churn.score(churn.split_rows(features(accounts=3, months=12)))
    scores = churn.to_arrow(out, churn.SCORES_SCHEMA)
    assert scores.schema == churn.SCORES_SCHEMA
    assert scores.column("churn_risk").null_count == len(out)  # NaN became null
    row = churn.to_arrow(churn.evaluate(out, pd.Timestamp("2023-12-01")), churn.EVALUATION_SCHEMA)
    assert row.to_pylist()[0]["auc"] is None
    assert row.to_pylist()[0]["as_of_month"] == pd.Timestamp("2023-12-01").to_pydatetime()
