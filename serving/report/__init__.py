"""The revenue report: one self-contained HTML page drawn from the serving marts.

`write_report(settings)` reads `serving.duckdb` (read-only; never the
warehouse), builds the KPI tiles and the Plotly charts, and publishes
`<out>/index.html` (default `settings.report_dir`) with the same atomic swap as
the serving database: the page is rendered in memory, written beside the final
file under a temporary name, fsynced and renamed over it. A reader sees the old
report or the new one, never half of one; a render that fails leaves the old one.

The page loads nothing: plotly.js is inlined once in <head>, CSS in a <style>,
each chart's CSV is a data: URI. Its structure, for browser and DOM tests:

- `<body data-mark-selector="...">`: the CSS selector that matches one drawn
  mark (a bar, a funnel bar, a line marker, a heat map's image) inside a chart.
- `<section id="kpi-tiles">` holds one `<div class="tile" data-kpi="<column of
  metrics_monthly>" data-month="YYYY-MM">` per KPI, its `.value` with
  `data-value` (the raw number, empty when null) and two `.change` lines with
  `data-vs="previous"` and `data-vs="year_ago"`.
- One `<section class="chart" id="chart-<id>" data-chart="<id>"
  data-marks="<n>" data-absent="true|false">` per chart, in this order: arr,
  mrr-bridge, retention, cohort-retention, ar-aging, bookings, funnel,
  quota-attainment, forecast, csat-utilization, margin (CHART_IDS).
  `data-marks` is how many elements matching the mark selector the chart draws
  (0 when absent). Inside: `<h2 title="definition">`, `<details
  class="definition">`, then either the plot `<div id="plot-<id>">` (Plotly
  draws an SVG in it) or `<p class="absent-note">` saying which data are
  absent, then `<details class="numbers">` with a CSV link and
  `<table data-table="<id>">`: `<th data-column>` per column and a
  `<td data-value>` per cell holding the raw number (empty when null).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from foundation.settings import Settings
from serving.report.charts import BUILDERS, build_charts
from serving.report.marts import read_marts
from serving.report.page import render_page
from serving.report.tiles import build_tiles

CHART_IDS = (
    "arr",
    "mrr-bridge",
    "retention",
    "cohort-retention",
    "ar-aging",
    "bookings",
    "funnel",
    "quota-attainment",
    "forecast",
    "csat-utilization",
    "margin",
)
assert len(CHART_IDS) == len(BUILDERS)
REPORT_FILE = "index.html"


@dataclass
class ReportResult:
    path: Path
    bytes: int
    seconds: float
    marks: dict[str, int] = field(default_factory=dict)  # chart id -> marks (0: absent)

    def as_metadata(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
            "charts_drawn": sum(1 for n in self.marks.values() if n),
            "charts_absent": [name for name, n in self.marks.items() if not n],
        }


def render_report(serving: Path, settings: Settings) -> tuple[str, dict[str, int]]:
    """The page's text and each chart's marks, from the serving database."""
    marts = read_marts(serving, settings)
    charts = build_charts(marts)
    as_of = str(marts.metrics["as_of_date"].iloc[-1])[:10]
    title = f"RevOps report, {marts.latest_month}"
    subtitle = f"From {serving.name}, as of {as_of}; every number is a serving mart's."
    page = render_page(title, subtitle, build_tiles(marts), charts)
    return page, {chart.chart_id: chart.marks for chart in charts}


def replace_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file beside it, fsynced, then renamed.

    A writer killed outright (SIGKILL) leaves its temporary file behind; the next
    write removes those of writers no longer running."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_writers_files(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove_dead_writers_files(path: Path) -> None:
    for tmp in path.parent.glob(f"{path.name}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass  # running, as another user


def write_report(
    settings: Settings, *, serving: Path | None = None, out_dir: Path | None = None
) -> ReportResult:
    """Render the report from `serving` (default settings.serving) into `out_dir`/index.html."""
    started = time.monotonic()
    page, marks = render_report(serving or settings.serving, settings)
    path = (out_dir or settings.report_dir) / REPORT_FILE
    data = page.encode("utf-8")
    replace_atomically(path, data)
    return ReportResult(path, len(data), time.monotonic() - started, marks)
