"""Reading the report's page back: its chart sections, tables, tiles and every URL it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Attributes through which a page can load something.
URL_ATTRIBUTES = {"src", "href", "srcset", "data", "poster", "action", "formaction"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.IGNORECASE)


@dataclass
class Page:
    charts: dict[str, dict[str, str]] = field(default_factory=dict)  # data-chart -> attributes
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # rows of data-value
    tiles: dict[str, str] = field(default_factory=dict)  # data-kpi -> data-value
    urls: list[tuple[str, str]] = field(default_factory=list)  # (tag.attribute, url)
    plots: set[str] = field(default_factory=set)  # ids of the plot divs
    absent_notes: dict[str, str] = field(default_factory=dict)  # chart -> its words
    scripts_with_src: int = 0


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self.chart: str | None = None
        self.table: str | None = None
        self.columns: list[str] = []
        self.row: list[str] | None = None
        self.tile: str | None = None
        self.in_note = self.in_style = False

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        for name in URL_ATTRIBUTES & a.keys():
            self.page.urls.append((f"{tag}.{name}", a[name]))
        self.page.scripts_with_src += tag == "script" and "src" in a
        self.in_style = tag == "style"
        if "data-chart" in a:
            self.chart = a["data-chart"]
            self.page.charts[self.chart] = a
        if tag == "div" and a.get("id", "").startswith("plot-"):
            self.page.plots.add(a["id"].removeprefix("plot-"))
        if tag == "table" and "data-table" in a:
            self.table, self.columns = a["data-table"], []
            self.page.tables[self.table] = []
        if tag == "th" and self.table:
            self.columns.append(a["data-column"])
        if tag == "tr" and self.table:
            self.row = []
        if tag == "td" and self.row is not None:
            self.row.append(a["data-value"])
        if "data-kpi" in a:
            self.tile = a["data-kpi"]
        if tag == "div" and a.get("class") == "value" and self.tile:
            self.page.tiles[self.tile] = a["data-value"]
        self.in_note = tag == "p" and a.get("class") == "absent-note"

    def handle_endtag(self, tag):
        if tag == "tr" and self.row:
            self.page.tables[self.table].append(dict(zip(self.columns, self.row, strict=True)))
        if tag == "tr":
            self.row = None
        if tag == "table":
            self.table = None
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_note and self.chart:
            self.page.absent_notes[self.chart] = data
            self.in_note = False
        if self.in_style:
            self.page.urls.extend(("style.url()", url) for url in CSS_URL.findall(data))


def read_page(text: str) -> Page:
    reader = _Reader()
    reader.feed(text)
    return reader.page


def loads_something(url: str) -> bool:
    """A URL the browser would fetch, from the network or a file (data: and fragments do not)."""
    url = url.strip().lower()
    return bool(url) and not url.startswith(("data:", "#", "javascript:"))
