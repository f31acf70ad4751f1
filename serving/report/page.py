"""The report's one HTML page: plotly.js inlined once, then the tiles and the charts."""

from __future__ import annotations

import base64
import html
import math

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from serving.report.charts import Chart
from serving.report.tiles import Tile, format_change, format_value

# What a browser test counts inside a chart container (see serving/report/__init__.py).
MARK_SELECTOR = (
    ".barlayer g.point, .funnellayer g.point, .scatterlayer path.point, .heatmaplayer image"
)
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
RATE_WORDS = ("rate", "share", "nrr", "grr", "csat", "utilization", "attainment")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem;
       color: #222; background: #fafafa; }
h1 { margin-bottom: 0.2rem; } header p { color: #555; margin-top: 0; }
#kpi-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr));
             gap: 0.6rem; margin: 1rem 0; }
.tile, .chart { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem; }
.tile .label { color: #555; font-size: 0.85rem; } .tile .value { font-size: 1.5rem; }
.tile .change { font-size: 0.8rem; color: #444; }
.chart { margin: 1rem 0; } .chart h2 { font-size: 1.1rem; margin: 0.2rem 0; }
.absent-note { color: #8a5a00; background: #fff8e1; padding: 1rem; border-radius: 4px; }
details { font-size: 0.85rem; margin: 0.3rem 0; } summary { cursor: pointer; color: #1565c0; }
table { border-collapse: collapse; font-size: 0.8rem; margin-top: 0.3rem; }
th, td { border: 1px solid #ddd; padding: 0.15rem 0.4rem; text-align: right; }
"""


def _kind(column: str) -> str:
    if column == "dso":
        return "days"
    if any(word in column for word in RATE_WORDS):
        return "rate"
    return "money"


def _cell(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td data-value="">n/a</td>'
    if isinstance(value, str):
        return f'<td data-value="{html.escape(value)}">{html.escape(value)}</td>'
    number = float(value)
    text = f"{number:,.0f}" if isinstance(value, int) else format_value(number, _kind(column))
    return f'<td data-value="{number!r}">{html.escape(text)}</td>'


def numbers_table(chart: Chart) -> str:
    """The chart's numbers: a <details> table (data-value holds each raw number) and a CSV."""
    frame: pd.DataFrame = chart.table.astype(object).where(chart.table.notna(), None)
    head = "".join(
        f'<th data-column="{html.escape(str(c))}">{html.escape(str(c))}</th>' for c in frame
    )
    body = "".join(
        "<tr>"
        + "".join(_cell(str(c), v) for c, v in zip(frame.columns, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    csv = base64.b64encode(chart.table.to_csv(index=False).encode()).decode()
    return (
        '<details class="numbers"><summary>Numbers</summary>'
        f'<a download="{chart.chart_id}.csv" href="data:text/csv;base64,{csv}">Download CSV</a>'
        f'<table data-table="{chart.chart_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></details>"
    )


def chart_section(chart: Chart) -> str:
    definition = html.escape(chart.definition)
    if chart.figure is None:
        body = f'<p class="absent-note">{html.escape(chart.absent or "No data.")}</p>'
    else:
        body = pio.to_html(
            chart.figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"plot-{chart.chart_id}",
            config=PLOT_CONFIG,
        )
    return (
        f'<section class="chart" id="chart-{chart.chart_id}" data-chart="{chart.chart_id}" '
        f'data-marks="{chart.marks}" data-absent="{str(chart.figure is None).lower()}">'
        f'<h2 title="{definition}">{html.escape(chart.title)}</h2>'
        f'<details class="definition"><summary>Definition</summary><p>{definition}</p></details>'
        f"{body}{numbers_table(chart)}</section>"
    )


def tile_section(tile: Tile) -> str:
    definition = html.escape(tile.definition)
    value = "" if tile.value is None else repr(tile.value)
    changes = "".join(
        f'<div class="change" data-vs="{key}">vs {month}: '
        f"{format_change(tile.value, before, tile.kind)}</div>"
        for key, month, before in (
            ("previous", _month_before(tile.month, 1), tile.previous),
            ("year_ago", _month_before(tile.month, 12), tile.year_ago),
        )
    )
    return (
        f'<div class="tile" data-kpi="{tile.column}" data-month="{tile.month}" '
        f'title="{definition}">'
        f'<div class="label">{html.escape(tile.label)} ({tile.month})</div>'
        f'<div class="value" data-value="{value}">{format_value(tile.value, tile.kind)}</div>'
        f"{changes}<details><summary>Definition</summary><p>{definition}</p></details></div>"
    )


def _month_before(month: str, months: int) -> str:
    return str(pd.Period(month, freq="M") - months)


def render_page(title: str, subtitle: str, tiles: list[Tile], charts: list[Chart]) -> str:
    """The whole page as text; nothing in it loads from a network."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
        f'<body data-mark-selector="{MARK_SELECTOR}">'
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>"
        '<section id="kpi-tiles">'
        + "".join(tile_section(tile) for tile in tiles)
        + "</section>"
        + "".join(chart_section(chart) for chart in charts)
        + "</body></html>\n"
    )
