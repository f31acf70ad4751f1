"""The revenue report of a real pipeline run, opened offline in headless Chromium:
every chart drew its SVG with the number of marks the report announces
(`data-marks`, itself checked against the marts in tests/report), a chart without
data shows its words instead, the page asks nothing of the network, logs no error
and its screenshot is not blank."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.report import CHART_IDS
from tests.browser.harness import Chromium, PageReport

SECTIONS = """() => [...document.querySelectorAll('section.chart')].map(section => ({
    id: section.dataset.chart,
    announced: Number(section.dataset.marks),
    absent: section.dataset.absent === 'true',
    svgs: section.querySelectorAll('svg.main-svg').length,
    drawn: section.querySelectorAll(document.body.dataset.markSelector).length,
    note: (section.querySelector('p.absent-note') || {}).textContent || '',
}))"""


@pytest.fixture(scope="module")
def report(pipeline_warehouse: Path) -> Path:
    """The report the pipeline's Dagster asset wrote (read only)."""
    path = pipeline_warehouse.parent / "report" / "index.html"
    assert path.exists(), f"no report at {path}"
    return path


@pytest.fixture(scope="module")
def page(report: Path, chromium: Chromium) -> PageReport:
    # `report` first: the pipeline runs before Chromium's event loop starts.
    opened = chromium.open_page(report, wait_for="section.chart svg.main-svg")
    yield opened
    opened.close()


def test_the_report_asks_nothing_of_the_network_and_logs_no_error(page: PageReport):
    assert page.requests == []
    assert page.console_errors == []
    assert page.failed_requests == []


def test_every_chart_drew_its_marks_or_says_its_data_are_absent(page: PageReport):
    sections = page.evaluate(SECTIONS)
    assert [s["id"] for s in sections] == list(CHART_IDS)
    drawn = [s for s in sections if not s["absent"]]
    assert len(drawn) >= 8, sections  # the small company has data for most charts
    for section in drawn:
        assert section["svgs"] >= 1, section
        assert section["announced"] > 0, section
        assert section["drawn"] == section["announced"], section
    for section in sections:
        if section["absent"]:
            assert section["svgs"] == 0 and section["note"].strip(), section


def test_the_kpi_tiles_show_values(page: PageReport):
    assert page.count("#kpi-tiles .tile") >= 8
    assert page.count("#kpi-tiles .tile .value") == page.count("#kpi-tiles .tile")


def test_the_screenshot_is_not_blank(page: PageReport):
    assert page.screenshot_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not page.colours().is_blank()
