"""The GX expectation suites, written as JSON into `expectations/gx/expectations/`.

One suite per validated table, named `<schema>.<table>` (`raw.invoices`,
`staging.stg_invoices`, `marts.fct_invoices`); GX's file store keeps the suite
`raw.invoices` in `expectations/gx/expectations/raw/invoices.json`, so the
suites are grouped by layer on disk. Each suite's `meta` holds `layer`,
`schema`, `table`, `severity` (the highest of its checks': `error` blocks
downstream assets and publishing, `warn` is reported only), `reads` (the other
tables its SQL reads) and `optional` (the table may be absent: the contract's
reference entities).

GX owns what dbt cannot see; dbt's tests own every property of one model:

- raw (`raw.py`): the loaded rows against the contract and `audit.load_files`;
- staging (`staging.py`): staging keys reconciled with raw;
- marts (`marts.py`): fact keys reconciled with staging and the excluded rows;
- across runs and batches (`volumes.py`): row counts against the latest earlier
  validation, the latest batch's quarantined share.

All generated from the contract registry (`foundation.contract`): run
`python -m expectations.suites` (or `revops contract-sync`) after changing it
and commit the JSON.
"""

from __future__ import annotations

from pathlib import Path

from expectations.suites.marts import mart_suites
from expectations.suites.raw import raw_suites
from expectations.suites.spec import (
    GX_DIR,
    GX_SEVERITY,
    LAYERS,
    SEVERITY_OF_GX,
    SUITES_DIR,
    Check,
    SuiteSpec,
    suite_json,
    suite_path,
    write_suites,
)
from expectations.suites.staging import staging_suites
from expectations.suites.volumes import PREVIOUS_ROW_COUNT, ROW_COUNT_EXPECTATION

__all__ = [
    "GX_DIR",
    "GX_SEVERITY",
    "LAYERS",
    "PREVIOUS_ROW_COUNT",
    "ROW_COUNT_EXPECTATION",
    "SEVERITY_OF_GX",
    "SUITES_DIR",
    "Check",
    "SuiteSpec",
    "all_suites",
    "build_all_suites",
    "generated_suites",
    "mart_suites",
    "raw_suites",
    "staging_suites",
    "suite_json",
    "suite_path",
]


def all_suites() -> list[SuiteSpec]:
    return raw_suites() + staging_suites() + mart_suites()


def generated_suites() -> dict[str, str]:
    """Every suite's JSON by its path relative to the repository root (what
    `revops contract-sync` writes and checks)."""
    root = GX_DIR.parent.parent
    return {str(suite_path(spec.name).relative_to(root)): suite_json(spec) for spec in all_suites()}


def build_all_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Rewrite every suite's JSON and remove the JSON of suites no longer defined."""
    written = write_suites(all_suites(), suites_dir)
    for stale in set(suites_dir.rglob("*.json")) - set(written):
        stale.unlink()
    return written
