"""A synthetic company of account-month features for the churn model's tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.churn import FEATURES


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
            row = dict.fromkeys(FEATURES, 0.0)
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
