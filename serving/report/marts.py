"""Reading the serving marts for the report: one read-only connection, plain DataFrames.

Only the published serving database is read (never the warehouse), so a report
always shows the numbers BI readers see. Months become `YYYY-MM` strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from foundation.duck import connect
from foundation.settings import Settings

# name -> query over schema `marts` of the serving database.
QUERIES = {
    "metrics": "select * from marts.metrics_monthly order by month",
    "cohorts": (
        "select cohort_month, months_since_start, cohort_size, logos_retained, "
        "logo_retention_share, mrr_retention_share from marts.cohort_retention "
        "order by cohort_month, months_since_start"
    ),
    "aging": (
        "select month, bucket, bucket_order, amount from marts.ar_aging_monthly "
        "order by month, bucket_order"
    ),
    "bookings_by_type": (
        "select month, quote_type, bookings_tcv from marts.bookings_by_type_monthly "
        "order by month, quote_type"
    ),
    "leads": (
        "select month, source_channel, leads_created, leads_qualified, leads_converted_paying "
        "from marts.lead_funnel_monthly order by month, source_channel"
    ),
    "reps": (
        "select month, owner_rep_id, bookings_tcv, target_amount_usd, quota_attainment "
        "from marts.sales_rep_monthly order by month, owner_rep_id"
    ),
    "margin": (
        "select month, family, revenue_usd, cost_usd, gross_margin, gross_margin_rate "
        "from marts.product_margin_monthly order by month, family"
    ),
}
MONTH_COLUMNS = ("month", "cohort_month")


@dataclass(frozen=True)
class Marts:
    """The marts the report draws, one DataFrame each (see QUERIES)."""

    metrics: pd.DataFrame
    cohorts: pd.DataFrame
    aging: pd.DataFrame
    bookings_by_type: pd.DataFrame
    leads: pd.DataFrame
    reps: pd.DataFrame
    margin: pd.DataFrame

    @property
    def latest_month(self) -> str:
        return str(self.metrics["month"].iloc[-1])


def _as_months(frame: pd.DataFrame) -> pd.DataFrame:
    for column in MONTH_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m")
    return frame


def read_marts(serving: Path, settings: Settings) -> Marts:
    """Every DataFrame of Marts from `serving`, opened read-only."""
    if not serving.exists():
        raise FileNotFoundError(f"{serving} does not exist yet: run `revops run` first")
    with connect(serving, settings, read_only=True) as con:
        frames = {name: _as_months(con.execute(sql).df()) for name, sql in QUERIES.items()}
    if frames["metrics"].empty:
        raise LookupError(f"{serving}: marts.metrics_monthly has no rows")
    return Marts(**frames)
