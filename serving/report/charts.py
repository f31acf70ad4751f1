"""The report's charts: one Plotly figure per chart, built from the serving marts.

Each builder returns a Chart: its figure, or the words saying which data are
absent (no empty frame is drawn), and the table of the numbers it plots. Null
points are left out of a trace (not drawn as gaps), so the marks a browser
draws are exactly the non-null values (`Chart.marks`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from serving.report.definitions import CHARTS
from serving.report.marts import Marts

MOVEMENTS = (
    ("new_mrr", "New", "#2e7d32"),
    ("reactivation_mrr", "Reactivation", "#66bb6a"),
    ("expansion_mrr", "Expansion", "#a5d6a7"),
    ("contraction_mrr", "Contraction", "#ef9a9a"),
    ("churned_mrr", "Churn", "#c62828"),
)
BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
FUNNEL_MONTHS = 12
MONEY, RATE = "$,.0f", ".1%"


@dataclass
class Chart:
    chart_id: str
    title: str
    table: pd.DataFrame
    figure: go.Figure | None = None
    absent: str | None = None  # the words shown instead of a figure

    @property
    def definition(self) -> str:
        return CHARTS[self.chart_id]

    @property
    def marks(self) -> int:
        """Marks the browser draws: a bar or marker per plotted value, one image per heat map."""
        if self.figure is None:
            return 0
        return sum(
            1 if trace.type == "heatmap" else len(trace.x if trace.orientation == "h" else trace.y)
            for trace in self.figure.data
            if trace.type != "scatter" or "markers" in (trace.mode or "")
        )


def _points(frame: pd.DataFrame, x: str, y: str) -> tuple[list, list]:
    """x and y of the rows where y is not null."""
    kept = frame[frame[y].notna()]
    return kept[x].tolist(), kept[y].astype(float).tolist()


def _line(frame: pd.DataFrame, x: str, y: str, name: str, **kwargs) -> go.Scatter:
    xs, ys = _points(frame, x, y)
    return go.Scatter(x=xs, y=ys, name=name, mode="lines+markers", marker={"size": 5}, **kwargs)


def _bar(frame: pd.DataFrame, x: str, y: str, name: str, **kwargs) -> go.Bar:
    xs, ys = _points(frame, x, y)
    return go.Bar(x=xs, y=ys, name=name, **kwargs)


def _layout(figure: go.Figure, y_format: str, **kwargs) -> go.Figure:
    layout = {
        "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
        "height": 340,
        "legend": {"orientation": "h", "y": -0.15},
        "xaxis": {"type": "category"},
        "yaxis": {"tickformat": y_format},
        "hovermode": "x unified",
        "template": "plotly_white",
    }
    figure.update_layout(**{**layout, **kwargs})
    return figure


def _all_null(frame: pd.DataFrame, *columns: str) -> bool:
    return frame.empty or all(frame[column].isna().all() for column in columns)


def arr_chart(marts: Marts) -> Chart:
    table = marts.metrics[["month", "arr"]]
    figure = _layout(go.Figure([_line(table, "month", "arr", "ARR")]), MONEY)
    return Chart("arr", "ARR over time", table, figure)


def mrr_bridge_chart(marts: Marts) -> Chart:
    columns = [column for column, _, _ in MOVEMENTS]
    table = marts.metrics[["month", *columns, "net_new_mrr"]]
    traces = [_bar(table, "month", c, label, marker_color=color) for c, label, color in MOVEMENTS]
    figure = _layout(go.Figure(traces), MONEY, barmode="relative")
    return Chart("mrr-bridge", "MRR bridge: movements per month", table, figure)


def retention_chart(marts: Marts) -> Chart:
    table = marts.metrics[["month", "nrr_12m", "grr_12m"]]
    if _all_null(table, "nrr_12m", "grr_12m"):
        words = "No NRR or GRR yet: they need 13 months of MRR, and the warehouse has fewer."
        return Chart("retention", "NRR and GRR (12 months)", table, absent=words)
    traces = [
        _line(table, "month", "nrr_12m", "NRR 12m"),
        _line(table, "month", "grr_12m", "GRR 12m"),
    ]
    return Chart("retention", "NRR and GRR (12 months)", table, _layout(go.Figure(traces), RATE))


def cohort_chart(marts: Marts) -> Chart:
    table = marts.cohorts
    title = "Cohort retention (share of logos still paying)"
    if table.empty:
        return Chart("cohort-retention", title, table, absent="No paying cohorts yet.")
    grid = table.pivot(
        index="cohort_month", columns="months_since_start", values="logo_retention_share"
    )
    heatmap = go.Heatmap(
        z=grid.to_numpy(),
        x=[int(c) for c in grid.columns],
        y=list(grid.index),
        colorscale="Blues",
        zmin=0,
        zmax=1,
        hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
    )
    figure = _layout(go.Figure([heatmap]), "", height=520, hovermode="closest")
    figure.update_xaxes(type="linear", title="months since the first paying month")
    figure.update_yaxes(type="category", autorange="reversed", tickformat="")
    return Chart("cohort-retention", title, table, figure)


def ar_aging_chart(marts: Marts) -> Chart:
    wide = marts.aging.pivot(index="month", columns="bucket", values="amount").reset_index()
    table = wide.merge(marts.metrics[["month", "dso"]], on="month", how="right")
    if marts.aging.empty:
        return Chart("ar-aging", "AR aging and DSO", table, absent="No receivables yet.")
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for bucket in (b for b in BUCKETS if b in table.columns):
        figure.add_trace(_bar(table, "month", bucket, bucket.replace("_", "-")))
    figure.add_trace(_line(table, "month", "dso", "DSO (days)"), secondary_y=True)
    figure.update_yaxes(title="days", tickformat=".0f", secondary_y=True)
    return Chart("ar-aging", "AR aging and DSO", table, _layout(figure, MONEY, barmode="stack"))


def bookings_chart(marts: Marts) -> Chart:
    by_type = marts.bookings_by_type
    wide = by_type.pivot(index="month", columns="quote_type", values="bookings_tcv").reset_index()
    table = wide.merge(
        marts.metrics[["month", "bookings_tcv", "win_rate"]], on="month", how="right"
    )
    title = "Bookings (TCV) by quote type and win rate"
    if _all_null(table, "bookings_tcv", "win_rate"):
        return Chart("bookings", title, table, absent="No quotes have been decided yet.")
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for quote_type in sorted(by_type["quote_type"].unique()):
        figure.add_trace(_bar(table, "month", quote_type, quote_type))
    figure.add_trace(_line(table, "month", "win_rate", "Win rate"), secondary_y=True)
    figure.update_yaxes(tickformat=RATE, secondary_y=True)
    return Chart("bookings", title, table, _layout(figure, MONEY, barmode="stack"))


def funnel_chart(marts: Marts) -> Chart:
    months = marts.metrics["month"].tail(FUNNEL_MONTHS).tolist()
    title = f"Funnel from leads to won deals, {months[0]} to {months[-1]}"
    leads = marts.leads[marts.leads["month"].isin(months)]
    if marts.leads.empty:
        empty = pd.DataFrame({"stage": [], "count": []})
        return Chart("funnel", title, empty, absent="No leads have landed: no funnel to show.")
    quotes = marts.metrics[marts.metrics["month"].isin(months)]
    stages = {
        "Leads created": leads["leads_created"].sum(),
        "Leads qualified": leads["leads_qualified"].sum(),
        "Leads converted (paying)": leads["leads_converted_paying"].sum(),
        "Quotes created": quotes["quotes_created"].sum(),
        "Quotes sent": quotes["quotes_sent"].sum(),
        "Quotes won": quotes["quotes_won"].sum(),
    }
    table = pd.DataFrame({"stage": list(stages), "count": [int(v) for v in stages.values()]})
    stage_names, counts = table["stage"].tolist(), table["count"].tolist()
    trace = go.Funnel(y=stage_names, x=counts, orientation="h", textinfo="value")
    figure = _layout(go.Figure([trace]), "", hovermode="closest")
    figure.update_xaxes(type="linear")
    figure.update_yaxes(type="category")
    return Chart("funnel", title, table, figure)


def quota_chart(marts: Marts) -> Chart:
    month = marts.latest_month
    reps = marts.reps[(marts.reps["month"] == month) & marts.reps["quota_attainment"].notna()]
    table = reps[["owner_rep_id", "bookings_tcv", "target_amount_usd", "quota_attainment"]]
    title = f"Quota attainment per rep, {month}"
    if table.empty:
        return Chart("quota-attainment", title, table, absent=f"No rep has a target for {month}.")
    figure = _layout(
        go.Figure([_bar(table, "owner_rep_id", "quota_attainment", "Attainment")]), RATE
    )
    figure.add_hline(y=1, line_dash="dash", line_color="#555")
    return Chart("quota-attainment", title, table, figure)


def forecast_chart(marts: Marts) -> Chart:
    columns = {"bookings_tcv": "Bookings", "forecast_commit": "Reps' commit"}
    columns["pipeline_forecast"] = "Pipeline forecast"
    table = marts.metrics[["month", *columns]]
    title = "Forecast against bookings"
    if _all_null(table, "forecast_commit", "pipeline_forecast"):
        words = (
            "No forecast yet: no rep submitted one and the pipeline forecast needs a past month."
        )
        return Chart("forecast", title, table, absent=words)
    traces = [_line(table, "month", column, label) for column, label in columns.items()]
    return Chart("forecast", title, table, _layout(go.Figure(traces), MONEY))


def csat_chart(marts: Marts) -> Chart:
    table = marts.metrics[["month", "csat", "seat_utilization"]]
    title = "CSAT and seat utilization"
    if _all_null(table, "csat", "seat_utilization"):
        words = "No CSAT responses or product usage have landed."
        return Chart("csat-utilization", title, table, absent=words)
    traces = [
        _line(table, "month", "csat", "CSAT (scores 4-5)"),
        _line(table, "month", "seat_utilization", "Seat utilization"),
    ]
    return Chart("csat-utilization", title, table, _layout(go.Figure(traces), RATE))


def margin_chart(marts: Marts) -> Chart:
    table = marts.margin
    title = "Gross margin rate by product family"
    if table.empty:
        words = "No costed invoice line: products carry no unit cost."
        return Chart("margin", title, table, absent=words)
    families = sorted(table["family"].unique())
    traces = [_line(table[table["family"] == f], "month", "gross_margin_rate", f) for f in families]
    return Chart("margin", title, table, _layout(go.Figure(traces), RATE))


BUILDERS: tuple[Callable[[Marts], Chart], ...] = (
    arr_chart,
    mrr_bridge_chart,
    retention_chart,
    cohort_chart,
    ar_aging_chart,
    bookings_chart,
    funnel_chart,
    quota_chart,
    forecast_chart,
    csat_chart,
    margin_chart,
)


def build_charts(marts: Marts) -> list[Chart]:
    return [build(marts) for build in BUILDERS]
