"""The churn-risk dbt Python models' functions: splits, the too-few-outcomes rule,
determinism, and the evaluation row."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

MODELS = Path(__file__).resolve().parents[2] / "dbt_project/models/intermediate/customer_success"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, MODELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scored = _load("int_churn_risk_scored")
evaluated = _load("int_churn_model_evaluated")


def features(accounts: int, months: int, seed: int = 0) -> pd.DataFrame:
    """A company whose churners (a third) show low seat utilization and late payment;
    the last 3 months' outcomes are unknown, the last is the as-of month."""
    rng = np.random.default_rng(seed)
    month_starts = pd.date_range("2023-01-01", periods=months, freq="MS")
    rows = []
    for account in range(accounts):
        for index, month in enumerate(month_starts):
            churns = rng.random() < 0.3
            known = index + 3 <= months - 1
            row = dict.fromkeys(scored.FEATURES, 0.0)
            row.update(
                account_id=f"A{account:03d}",
                month=month,
                mrr=100.0,
                seat_utilization=rng.normal(0.4 if churns else 0.8, 0.15),
                max_days_past_due=rng.normal(30 if churns else 5, 10),
                churned_within_3_months=churns if known else None,
                is_outcome_known=known,
                is_as_of_month=index == months - 1,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def test_the_latest_six_known_months_are_held_out_and_the_as_of_month_is_scored():
    frame = features(accounts=2, months=12)
    frame.loc[(frame["account_id"] == "A001") & (frame["month"] == "2023-02-01"), "mrr"] = 0
    rows = scored.split_rows(frame)
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
    out = scored.score(scored.split_rows(features(accounts=3, months=12)))
    assert set(out["model_status"]) == {"too_few_known_outcomes"}
    assert out["churn_risk"].isna().all()
    row = evaluated.evaluate(out, pd.Timestamp("2023-12-01")).iloc[0]
    assert row["model_status"] == "too_few_known_outcomes"
    assert pd.isna(row["auc"])
    assert row["scored_accounts"] == 0


def test_an_empty_company_gives_an_evaluation_row():
    empty = features(accounts=1, months=1).iloc[0:0]
    out = scored.score(scored.split_rows(empty))
    assert len(out) == 0
    row = evaluated.evaluate(out, None).iloc[0]
    assert row["model_status"] == "no_paying_accounts"
    assert (row["train_rows"], row["test_rows"]) == (0, 0)


def test_the_model_finds_the_signal_and_is_deterministic():
    frame = features(accounts=150, months=24)
    first = scored.score(scored.split_rows(frame))
    again = scored.score(scored.split_rows(frame.sample(frac=1, random_state=3)))
    pd.testing.assert_frame_equal(first, again)
    row = evaluated.evaluate(first, pd.Timestamp("2024-12-01")).iloc[0]
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
    out = scored.score(scored.split_rows(frame))
    assert set(out["model_status"]) == {"trained"}
    assert out[out["split"] == "current"]["churn_risk"].notna().all()
