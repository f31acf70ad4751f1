"""The CDN links of GX's Data Docs templates, rewritten to the vendored copies."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import great_expectations

from expectations import data_docs_offline as offline

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
TAG_URL = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(https?://[^"]+)"')


def test_every_cdn_link_of_the_installed_gx_has_a_local_copy():
    """A GX upgrade that links another asset or version fails here, not offline."""
    linked = {
        url for template in TEMPLATES.glob("*.j2") for url in TAG_URL.findall(template.read_text())
    }
    assert linked, f"no CDN link found in {TEMPLATES}"
    assert linked == set(offline.CDN_ASSETS)


def test_every_vendored_asset_exists_with_its_license():
    for asset in filter(None, offline.CDN_ASSETS.values()):
        path = offline.ASSETS_DIR / asset
        assert path.is_file(), path
        package = offline.ASSETS_DIR / Path(asset).parts[0]
        assert list(package.glob("LICENSE*")), f"{package} has no license file"


BOOTSTRAP = "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"
BOOTSTRAP_JS = "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js"
PAGE = f"""<head>
<link rel="stylesheet" href="{BOOTSTRAP}"/>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="{BOOTSTRAP_JS}" integrity="sha384-x" crossorigin="anonymous"></script>
</head><body>
<img class="NO-CACHE" src="{offline.LOGO_URL}?d=20250101T000000Z" alt="GX"/>
<a href="https://greatexpectations.io">GX</a>
</body>"""


def test_a_page_two_folders_deep_links_the_local_copies(tmp_path):
    docs = tmp_path / "docs"
    html = offline.offline_html(PAGE, docs / "expectations" / "raw" / "x.html", docs)
    assert 'href="../../static/vendor/bootstrap-4.3.1/bootstrap.min.css"/>' in html
    # no integrity/crossorigin: Chromium refuses a file:// script marked crossorigin
    assert '<script src="../../static/vendor/bootstrap-4.3.1/bootstrap.min.js"></script>' in html
    assert 'src="../../static/images/logo-long.png"' in html
    assert "vega" not in html  # no chart on the page: the chart scripts go
    assert '<a href="https://greatexpectations.io">' in html  # a link is not a request
    assert offline.offline_html(html, docs / "expectations" / "raw" / "x.html", docs) == html


def test_a_page_with_a_chart_keeps_the_chart_scripts_and_says_so(tmp_path, caplog):
    docs = tmp_path / "docs"
    page = PAGE + "<script>vegaEmbed('#c', spec)</script>"
    with caplog.at_level(logging.WARNING):
        html = offline.offline_html(page, docs / "index.html", docs)
    assert '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>' in html
    assert "index.html draws a chart" in caplog.text


def test_make_offline_copies_the_assets_and_rewrites_once(tmp_path):
    docs = tmp_path / "docs"
    (docs / "expectations").mkdir(parents=True)
    (docs / "index.html").write_text(PAGE)
    (docs / "expectations" / "a.html").write_text(PAGE)
    assert offline.make_offline(docs) == 2
    assert offline.make_offline(docs) == 0
    assert (docs / "static/vendor/jquery-3.7.1/jquery.min.js").stat().st_size == (
        offline.ASSETS_DIR / "jquery-3.7.1/jquery.min.js"
    ).stat().st_size
    assert not list((docs / "static/vendor").rglob("README.md"))
