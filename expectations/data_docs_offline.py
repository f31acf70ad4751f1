"""GX Data Docs that render without a network.

GX's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and
friends from public CDNs (and the navbar logo from S3), so a reader without a
network sees unstyled pages with empty tables. After GX has rendered, the
assets vendored in `data_docs_assets/` (the same versions, from npm; see its
README) are copied into `<docs>/static/vendor/` and each page's CDN links are
rewritten to relative links to those copies. The logo points at the copy GX
already puts in `<docs>/static/images/`.

Vega, Vega-Lite and Vega-Embed are not vendored (830 KB): only chart
expectations (distributions, profiling) draw with them and no suite here has
one, so their script tags are removed from pages that draw no chart. A page
that does draw one keeps its CDN links, and a warning names it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).parent / "data_docs_assets"
VENDOR_DIR = Path("static", "vendor")

# Every CDN URL of GX 1.24's templates (render/view/templates/*.j2) -> the vendored
# file (relative to ASSETS_DIR), or None for the chart scripts dropped when unused.
CDN_ASSETS: dict[str, str | None] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap-4.3.1/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap-4.3.1/bootstrap.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    # GX links the filter-control CSS of 1.19.0 (the JS of 1.19.1): one copy, 1.19.1's.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free-6.6.0/css/all.min.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js-1.12.9/popper.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
}
# The navbar logo (GX adds `?d=<timestamp>`): GX copies the same file into static/images.
LOGO_URL = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png"
LOGO = Path("static", "images", "logo-long.png")

_TAG = re.compile(r"<(script|link|img)\b[^>]*>(</script>)?", re.IGNORECASE)
_URL = re.compile(r'\b(src|href)="(https?://[^"]*)"')
_SRI = re.compile(r'\s(integrity|crossorigin)="[^"]*"')


def copy_assets(docs_dir: Path) -> None:
    """Copy the vendored assets into `<docs_dir>/static/vendor/` (files missing or changed)."""
    for source in ASSETS_DIR.rglob("*"):
        if not source.is_file() or source.name == "README.md":
            continue
        target = docs_dir / VENDOR_DIR / source.relative_to(ASSETS_DIR)
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def offline_html(html: str, page: Path, docs_dir: Path) -> str:
    """`html` (the page at `page` inside `docs_dir`) with its CDN tags pointing at the
    local copies, integrity/crossorigin attributes dropped (a file:// script with
    `crossorigin` is refused), and the chart scripts removed when no chart is drawn."""
    draws_charts = "vegaEmbed(" in html

    def local(relative: Path) -> str:
        return Path(os.path.relpath(docs_dir / relative, page.parent)).as_posix()

    def rewrite(tag: re.Match[str]) -> str:
        found = _URL.search(tag.group(0))
        if not found:
            return tag.group(0)
        url = found.group(2)
        if url.split("?")[0] == LOGO_URL:
            target = local(LOGO)
        elif url in CDN_ASSETS:
            asset = CDN_ASSETS[url]
            if asset is None:
                if draws_charts:
                    log.warning("%s draws a chart: it loads %s from the network", page, url)
                    return tag.group(0)
                return ""
            target = local(VENDOR_DIR / asset)
        else:
            log.warning("%s loads %s, which has no local copy", page, url)
            return tag.group(0)
        text = _URL.sub(lambda m: f'{m.group(1)}="{target}"', tag.group(0), count=1)
        return _SRI.sub("", text)

    return _TAG.sub(rewrite, html)


def make_offline(docs_dir: Path) -> int:
    """Copy the assets and rewrite every page of `docs_dir` that still links a CDN;
    returns the number of pages rewritten. Idempotent."""
    copy_assets(docs_dir)
    rewritten = 0
    for page in docs_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if "https://" not in html:
            continue
        offline = offline_html(html, page, docs_dir)
        if offline != html:
            page.write_text(offline, encoding="utf-8")
            rewritten += 1
    return rewritten
