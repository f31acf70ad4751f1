"""Files generated from the contract registry (`foundation/contract/`), and their check.

`revops contract-sync` writes them; `revops contract-sync --check` (and the
test suite) fails naming each file that differs from what the registry says.
The generator reads the registry's enums directly, so it has no file here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from foundation.settings import PROJECT_ROOT
from revops.codegen.contract_doc import render_contract_doc
from revops.codegen.dbt_files import (
    render_personal_data_test,
    render_reason_codes,
    render_sources,
    render_staging_models,
)


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the repository root
    render: Callable[[], str]
    what: str

    def is_stale(self, root: Path = PROJECT_ROOT) -> bool:
        target = root / self.path
        return not target.exists() or target.read_text(encoding="utf-8") != self.render()

    def write(self, root: Path = PROJECT_ROOT) -> None:
        target = root / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.render(), encoding="utf-8")


def _gx_suite_files() -> list[GeneratedFile]:
    from expectations.suites import generated_suites

    return [
        GeneratedFile(path, (lambda text=text: text), "GX suite")
        for path, text in generated_suites().items()
    ]


def generated_files() -> list[GeneratedFile]:
    """Every file the registry generates, docs and dbt first, then the GX suites."""
    return [
        GeneratedFile("docs/landing-contract.md", render_contract_doc, "landing contract"),
        GeneratedFile("dbt_project/models/staging/_sources.yml", render_sources, "dbt sources"),
        GeneratedFile(
            "dbt_project/models/staging/_staging__models.yml",
            render_staging_models,
            "dbt staging models and tests",
        ),
        GeneratedFile("dbt_project/seeds/reason_codes.csv", render_reason_codes, "dbt seed"),
        GeneratedFile(
            "dbt_project/data_tests/marts_hold_no_personal_data.sql",
            render_personal_data_test,
            "dbt test: no personal data in the marts",
        ),
        *_gx_suite_files(),
    ]


def stale_files(root: Path = PROJECT_ROOT) -> list[GeneratedFile]:
    return [file for file in generated_files() if file.is_stale(root)]


def write_all(root: Path = PROJECT_ROOT) -> list[GeneratedFile]:
    """Write every stale generated file; returns those written."""
    written = stale_files(root)
    for file in written:
        file.write(root)
    return written
