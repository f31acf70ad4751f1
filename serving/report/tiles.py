"""The KPI tiles: the latest month's value of each KPI, against the month before and
the same month a year earlier."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from serving.report.definitions import METRICS
from serving.report.marts import Marts

# (column of metrics_monthly, label, kind, months back, shown only where data exist).
# A lead cohort pays months after its leads are created: lead conversion is shown
# for the cohort 6 months before the latest month (as `revops kpis` does).
TILES = (
    ("mrr", "MRR", "money", 0, False),
    ("arr", "ARR", "money", 0, False),
    ("nrr_12m", "NRR 12m", "rate", 0, False),
    ("grr_12m", "GRR 12m", "rate", 0, False),
    ("logo_churn_rate", "Logo churn", "rate", 0, False),
    ("bookings_tcv", "Bookings (TCV)", "money", 0, False),
    ("win_rate", "Win rate", "rate", 0, False),
    ("dso", "DSO", "days", 0, False),
    ("lead_conversion_rate", "Lead conversion", "rate", 6, True),
    ("forecast_accuracy", "Forecast accuracy (reps)", "rate", 0, True),
    ("csat", "CSAT", "rate", 0, True),
    ("gross_margin_rate", "Gross margin rate", "rate", 0, True),
)


@dataclass(frozen=True)
class Tile:
    column: str
    label: str
    kind: str
    month: str
    value: float | None
    previous: float | None  # the month before
    year_ago: float | None  # 12 months before

    @property
    def definition(self) -> str:
        return METRICS[self.column]


def _shift(month: str, months: int) -> str:
    return str(pd.Period(month, freq="M") - months)


def _value(by_month: pd.DataFrame, month: str, column: str) -> float | None:
    if month not in by_month.index:
        return None
    value = by_month.at[month, column]
    return None if value is None or pd.isna(value) else float(value)


def build_tiles(marts: Marts) -> list[Tile]:
    by_month = marts.metrics.set_index("month")
    tiles = []
    for column, label, kind, back, optional in TILES:
        if optional and by_month[column].isna().all():
            continue
        month = _shift(marts.latest_month, back)
        values = [_value(by_month, _shift(month, n), column) for n in (0, 1, 12)]
        tiles.append(Tile(column, label, kind, month, *values))
    return tiles


def format_value(value: float | None, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "money":
        return f"${value:,.0f}"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:.1f} days"
    return f"{value:,.0f}"


def format_change(value: float | None, before: float | None, kind: str) -> str:
    """Money and counts change in percent; rates in percentage points; days in days."""
    if value is None or before is None:
        return "n/a"
    if kind == "rate":
        return f"{(value - before) * 100:+.1f} pp"
    if kind == "days":
        return f"{value - before:+.1f} days"
    if before == 0:
        return "n/a"
    return f"{(value - before) / abs(before) * 100:+.1f}%"
