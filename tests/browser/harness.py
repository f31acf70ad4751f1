"""Open local HTML pages in a real, headless Chromium and report what they did.

Debian's `chromium` package is driven through Playwright for Python with
`executable_path` set to it (Playwright's own browser downloads are not used:
they come from a CDN). Every request whose scheme is not file:, data: or blob:
is recorded and aborted, so a page that would reach the network is caught
even on a machine that has one.

    with Chromium(tmp_path) as chromium:
        page = chromium.open_page(path_to_index_html)
        assert page.requests == [] and page.console_errors == []
        assert page.count("svg .point") == 12
        assert page.colours().distinct > 20  # the screenshot is not blank

`open_page` waits for the load event and for the network to be idle, then for
the fonts, two animation frames and an optional selector; it records console
errors, uncaught exceptions and failed local requests, and takes a screenshot.
"""

from __future__ import annotations

import base64
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # reported by Chromium() with the package to install
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]

CHROMIUM_PACKAGE = "chromium"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
VIEWPORT = {"width": 1280, "height": 900}

# Decodes a PNG in the browser (no imaging library needed): distinct colours and
# the share of the pixels that have the most common one.
_COLOURS_JS = """async (dataUrl) => {
  const img = new Image();
  img.src = dataUrl;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const counts = new Map();
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return {distinct: counts.size, top: Math.max(...counts.values()), pixels: data.length / 4};
}"""


class ChromiumMissing(RuntimeError):
    """Chromium or Playwright is not installed; the message says which package to install."""


def chromium_executable() -> str:
    """The path of Debian's `chromium`, or ChromiumMissing naming the package."""
    path = shutil.which("chromium")
    if path is None:
        raise ChromiumMissing(
            f"no `chromium` on PATH: install Debian's `{CHROMIUM_PACKAGE}` package "
            f"(apt-get install -y --no-install-recommends {CHROMIUM_PACKAGE}); .ci/run does"
        )
    return path


@dataclass(frozen=True)
class Colours:
    """What a screenshot holds: `distinct` RGB colours; `top_share` of the pixels in the
    most common one (1.0 for a page of one colour)."""

    distinct: int
    top_share: float

    def is_blank(self, min_colours: int = 8, max_top_share: float = 0.995) -> bool:
        return self.distinct < min_colours or self.top_share > max_top_share


@dataclass
class PageReport:
    """One opened page: what it requested and logged, its screenshot, and the live page
    for DOM questions (`count`, `text`, `style`, `evaluate`)."""

    path: Path
    page: Any = field(repr=False)  # playwright.sync_api.Page
    requests: list[str] = field(default_factory=list)  # non-local requests (aborted)
    console_errors: list[str] = field(default_factory=list)  # console.error and exceptions
    failed_requests: list[str] = field(default_factory=list)  # local files that did not load
    screenshot_png: bytes = field(default=b"", repr=False)
    _chromium: Chromium | None = field(default=None, repr=False)

    def count(self, selector: str) -> int:
        """Number of elements matching the CSS `selector` (e.g. `svg path.point`)."""
        return self.page.locator(selector).count()

    def text(self, selector: str) -> str:
        """Inner text of the first element matching `selector`."""
        return self.page.locator(selector).first.inner_text()

    def style(self, selector: str, prop: str) -> str:
        """Computed CSS property `prop` of the first element matching `selector`."""
        return self.page.locator(selector).first.evaluate(
            "(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop
        )

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def colours(self) -> Colours:
        """The colours of the screenshot (decoded by Chromium in a blank page)."""
        assert self._chromium is not None
        return self._chromium.colours(self.screenshot_png)

    def close(self) -> None:
        self.page.context.close()


class Chromium:
    """A headless Chromium (HOME in `home`, no sandbox: it runs as root in CI)."""

    def __init__(self, home: Path) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:
            raise ChromiumMissing(
                "Playwright for Python is missing: it is in the dev extras "
                "(`make install` installs requirements.lock)"
            ) from error
        executable = chromium_executable()
        home.mkdir(parents=True, exist_ok=True)
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                env={**os.environ, "HOME": str(home)},
            )
        except Exception:
            self._playwright.stop()
            raise

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def open_page(
        self,
        path: Path,
        wait_for: str | None = None,
        full_page: bool = True,
        timeout_ms: int = 30_000,
        wait_ms: int = 10_000,
    ) -> PageReport:
        """Open the local file `path`, wait until it has rendered (and `wait_for`, a CSS
        selector, is visible within `wait_ms`, else AssertionError with what the page
        did), and return what it did with a screenshot."""
        context = self._browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        report = PageReport(path=Path(path), page=page, _chromium=self)

        def route(route: Any) -> None:
            if route.request.url.startswith(LOCAL_SCHEMES):
                route.continue_()
            else:
                report.requests.append(route.request.url)
                route.abort()

        def console(message: Any) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                report.console_errors.append(f"{message.text} ({where})")

        def failed(request: Any) -> None:
            if request.url.startswith("file:"):
                report.failed_requests.append(f"{request.url}: {request.failure}")

        context.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda error: report.console_errors.append(f"uncaught: {error}"))
        page.on("requestfailed", failed)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        if wait_for:
            try:
                page.locator(wait_for).first.wait_for(state="visible", timeout=wait_ms)
            except PlaywrightTimeout:
                context.close()
                raise AssertionError(
                    f"{wait_for!r} never became visible in {path} within {wait_ms} ms; "
                    f"network requests: {report.requests}; console errors: "
                    f"{report.console_errors}; failed files: {report.failed_requests}"
                ) from None
        report.screenshot_png = page.screenshot(full_page=full_page)
        return report

    def colours(self, png: bytes) -> Colours:
        """Distinct colours and the most common colour's share of a PNG."""
        page = self._browser.new_page()
        try:
            url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            found = page.evaluate(_COLOURS_JS, url)
        finally:
            page.close()
        return Colours(distinct=found["distinct"], top_share=found["top"] / found["pixels"])
