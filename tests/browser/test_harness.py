"""The browser harness can fail: it sees network requests, console errors, missing
local files and blank screenshots, and counts SVG marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import harness
from tests.browser.harness import Chromium

CHART = """<!DOCTYPE html><html><head><style>body { font-family: sans-serif; }</style></head>
<body><h1 style="color: #1f77b4">Three marks</h1>
<svg width="300" height="120">
  <circle class="mark" cx="50" cy="60" r="40" fill="#d62728"/>
  <circle class="mark" cx="150" cy="60" r="40" fill="#2ca02c"/>
  <circle class="mark" cx="250" cy="60" r="40" fill="#9467bd"/>
</svg></body></html>"""


def write(tmp_path: Path, html: str, name: str = "page.html") -> Path:
    page = tmp_path / name
    page.write_text(html, encoding="utf-8")
    return page


def test_a_local_page_makes_no_request_logs_nothing_and_draws(chromium: Chromium, tmp_path):
    page = chromium.open_page(write(tmp_path, CHART), wait_for="svg")
    assert page.requests == []
    assert page.console_errors == []
    assert page.failed_requests == []
    assert page.count("svg circle.mark") == 3
    assert page.text("h1") == "Three marks"
    assert page.style("h1", "color") == "rgb(31, 119, 180)"
    assert page.screenshot_png.startswith(b"\x89PNG")
    assert not page.colours().is_blank()
    page.close()


def test_every_request_that_leaves_the_machine_is_recorded(chromium: Chromium, tmp_path):
    html = """<html><head><link rel="stylesheet" href="https://cdn.example.com/a.css">
    </head><body><img src="http://example.org/logo.png">
    <script>fetch('https://api.example.net/data').catch(() => {});</script></body></html>"""
    page = chromium.open_page(write(tmp_path, html))
    assert sorted(page.requests) == [
        "http://example.org/logo.png",
        "https://api.example.net/data",
        "https://cdn.example.com/a.css",
    ]
    page.close()


def test_console_errors_exceptions_and_missing_files_are_recorded(chromium: Chromium, tmp_path):
    html = """<html><body><script src="missing.js"></script>
    <script>console.error('boom'); console.log('fine');</script>
    <script>throw new Error('bad');</script></body></html>"""
    page = chromium.open_page(write(tmp_path, html))
    assert any("boom" in error for error in page.console_errors)
    assert any("uncaught" in error and "bad" in error for error in page.console_errors)
    assert not any("fine" in error for error in page.console_errors)
    assert len(page.failed_requests) == 1
    assert "missing.js" in page.failed_requests[0]
    page.close()


def test_a_blank_page_is_blank(chromium: Chromium, tmp_path):
    page = chromium.open_page(write(tmp_path, "<html><body></body></html>"))
    colours = page.colours()
    assert colours.is_blank()
    assert colours.top_share == 1.0
    page.close()


def test_a_missing_chromium_names_the_package(monkeypatch):
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    with pytest.raises(harness.ChromiumMissing, match="install Debian's `chromium` package"):
        harness.chromium_executable()


def test_a_selector_that_never_shows_fails_with_what_the_page_did(chromium: Chromium, tmp_path):
    html = '<html><head><script src="https://cdn.example.com/lib.js"></script></head></html>'
    with pytest.raises(AssertionError, match=r"'#chart' never became visible.*cdn\.example"):
        chromium.open_page(write(tmp_path, html), wait_for="#chart", wait_ms=300)
