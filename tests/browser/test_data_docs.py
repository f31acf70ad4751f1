"""GX Data Docs of a real pipeline run, opened offline in headless Chromium: the
pages load their CSS and JavaScript from the vendored copies (no request leaves
the machine, nothing fails to load, nothing is logged as an error), Bootstrap's
styles are applied, bootstrap-table fills the tables and the icons' font loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.harness import Chromium, PageReport

FONT_AWESOME_LOADED = """() => [...document.fonts].some(
    font => font.family.includes('Font Awesome 6 Free') && font.status === 'loaded')"""
BOOTSTRAP_FONT = "-apple-system"  # the first font of Bootstrap 4's native font stack


@pytest.fixture(scope="module")
def data_docs(pipeline_warehouse: Path) -> Path:
    """The Data Docs written by the pipeline run of `pipeline_warehouse` (read only)."""
    docs = pipeline_warehouse.parent / "data_docs"
    assert (docs / "index.html").exists(), f"no Data Docs in {docs}"
    return docs


def assert_offline_and_styled(page: PageReport) -> None:
    assert page.requests == [], "the page reached for the network"
    assert page.console_errors == []
    assert page.failed_requests == []
    # Bootstrap's CSS: its font stack and its sticky navbar
    assert page.style("body", "font-family").startswith(BOOTSTRAP_FONT)
    assert page.style("nav.navbar", "position") == "sticky"
    # jQuery + bootstrap-table ran: the tables are wrapped and filled by JavaScript
    assert page.evaluate("() => typeof jQuery.fn.bootstrapTable") == "function"
    assert page.count("div.bootstrap-table") >= 1
    assert page.count("div.bootstrap-table tbody tr") >= 1
    # the status icons' font (Font Awesome) and the logo loaded from local files
    assert page.count("i.fas") >= 1
    assert page.evaluate(FONT_AWESOME_LOADED) is True
    assert page.evaluate("() => document.querySelector('nav.navbar img').naturalWidth") > 0
    assert not page.colours().is_blank()


# `data_docs` first: the pipeline runs before Chromium's event loop starts.
def test_the_index_renders_offline(data_docs: Path, chromium: Chromium):
    page = chromium.open_page(data_docs / "index.html", wait_for="div.bootstrap-table")
    assert_offline_and_styled(page)
    # the validation results tab lists every validation page, 10 rows at a time
    results = len(list((data_docs / "validations").rglob("*.html")))
    assert results >= 1
    tab = "#Validation-Results div.bootstrap-table"
    assert f"of {results} rows" in page.text(f"{tab} .pagination-info")
    assert page.count(f"{tab} tbody tr") == min(results, 10)
    page.close()


def test_a_validation_page_renders_offline(data_docs: Path, chromium: Chromium):
    [validation] = sorted((data_docs / "validations" / "raw" / "invoices").rglob("*.html"))
    page = chromium.open_page(validation, wait_for="div.bootstrap-table")
    assert_offline_and_styled(page)
    assert "raw.invoices" in page.text("body")
    # the results of the suite's expectations, one row each, with a status icon
    assert page.count("table tbody tr") >= 3
    page.close()
