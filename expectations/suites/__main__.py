"""`python -m expectations.suites`: rewrite every suite's JSON."""

import logging

from expectations.suites import build_all_suites

logging.basicConfig(level=logging.INFO, format="%(message)s")
for path in build_all_suites():
    logging.getLogger("expectations.suites").info("wrote %s", path)
