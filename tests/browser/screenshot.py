"""Screenshot of the revenue report for the README: `make screenshot`.

`python -m tests.browser.screenshot REPORT PNG` opens REPORT (the demo's
warehouse/report/index.html) in the same headless Chromium as the browser tests
and saves the first screen (the KPI tiles and the first charts) as PNG. It
refuses a page that reached for the network, logged an error or came out blank.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.browser.harness import Chromium


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    report, png = Path(argv[0]), Path(argv[1])
    if not report.exists():
        print(f"{report}: no report here; run `make demo` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as home, Chromium(Path(home)) as browser:
        page = browser.open_page(report, wait_for="section.chart svg.main-svg", full_page=False)
        problems = page.requests + page.console_errors + page.failed_requests
        if problems or page.colours().is_blank():
            print(f"{report}: not a clean render: {problems or 'blank'}", file=sys.stderr)
            return 1
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(page.screenshot_png)
        page.close()
    print(f"wrote {png} ({len(page.screenshot_png):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
