"""The KPI summary that `revops demo` and `revops kpis` print."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

# (column of marts.metrics_monthly, label, kind). The latest month's value of each.
KPI_COLUMNS = (
    ("mrr", "MRR", "money"),
    ("arr", "ARR", "money"),
    ("active_customers", "Active customers", "count"),
    ("net_mrr_retention", "NRR (month)", "rate"),
    ("nrr_12m", "NRR (12 months)", "rate"),
    ("bookings_tcv", "Bookings (TCV)", "money"),
    ("dso", "DSO (days)", "days"),
    ("forecast_accuracy", "Forecast accuracy (reps)", "rate"),
    ("pipeline_forecast_accuracy", "Forecast accuracy (pipeline)", "rate"),
    ("csat", "CSAT (scores 4-5)", "rate"),
    ("gross_margin", "Gross margin", "money"),
    ("gross_margin_rate", "Gross margin rate", "rate"),
)
# A lead cohort pays months after its leads are created (conversion, then a won quote,
# then an invoice): the summary shows the cohort this many months before the latest.
LEAD_COHORT_MONTHS_BACK = 6
LEAD_CONVERSION = "lead_conversion_rate"


@dataclass
class KpiSummary:
    month: str
    values: dict[str, object]
    lead_cohort: str | None = None  # the month whose lead conversion is shown
    lead_conversion: object = None


def read_latest_kpis(database: Path) -> KpiSummary:
    """The latest month's row of marts.metrics_monthly, and the lead conversion of the
    cohort LEAD_COHORT_MONTHS_BACK months before it; read-only."""
    columns = ", ".join(name for name, _, _ in KPI_COLUMNS)
    with duckdb.connect(str(database), read_only=True) as con:
        row = con.execute(
            f"select cast(month as varchar), {columns} from marts.metrics_monthly "
            "order by month desc limit 1"
        ).fetchone()
        if row is None:
            raise LookupError(f"{database}: marts.metrics_monthly has no rows")
        cohort = con.execute(
            f"select cast(month as varchar), {LEAD_CONVERSION} from marts.metrics_monthly "
            f"where month = cast(? as date) - interval {LEAD_COHORT_MONTHS_BACK} month",
            [row[0]],
        ).fetchone()
    return KpiSummary(
        month=row[0],
        values=dict(zip([c[0] for c in KPI_COLUMNS], row[1:], strict=True)),
        lead_cohort=cohort[0] if cohort else None,
        lead_conversion=cohort[1] if cohort else None,
    )


def _format(value: object, kind: str) -> str:
    if value is None:
        return "n/a"
    number = Decimal(str(value))
    if kind == "money":
        return f"${number:,.2f}"
    if kind == "rate":
        return f"{number * 100:.1f}%"
    if kind == "days":
        return f"{number:.1f}"
    return f"{number:,.0f}"


def render_kpis(summary: KpiSummary, outputs: dict[str, Path], console: Console) -> None:
    table = Table(title=f"RevOps KPIs, {summary.month[:7]}", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, label, kind in KPI_COLUMNS:
        table.add_row(label, _format(summary.values[name], kind))
    if summary.lead_cohort is not None:
        label = f"Lead conversion ({summary.lead_cohort[:7]} leads)"
        table.add_row(label, _format(summary.lead_conversion, "rate"))
    console.print(table)
    for label, path in outputs.items():
        console.print(f"{label}: {path}")
