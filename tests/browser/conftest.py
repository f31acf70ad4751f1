"""The headless Chromium of the browser tests (tests/browser/harness.py).

Chromium is required: without Debian's `chromium` package (or Playwright) these
tests fail with a message naming what to install; `.ci/run` installs it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.harness import Chromium, ChromiumMissing


@pytest.fixture(scope="session")
def chromium(tmp_path_factory) -> Iterator[Chromium]:
    """One headless Chromium for the session; HOME points at a temporary folder."""
    try:
        browser = Chromium(tmp_path_factory.mktemp("chromium_home"))
    except ChromiumMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    with browser:
        yield browser
