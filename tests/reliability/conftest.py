"""Fixtures of the reliability tests: companies split into what lands first and what
lands next, and clean runs of them to compare killed runs with.

Tests marked `reliability_long` run only in `make reliability` (pyproject's
addopts deselect them from `make test`); each has a faster sibling in `make test`.
"""

from __future__ import annotations

import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.harness import clean_run, phase_windows


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C stops `make reliability` whole. It starts the SIGTERM campaign in the
    background (`&`), and a shell starts a background command with SIGINT ignored: an
    interrupt stopped the other half and left the campaign running for an hour. A process
    started with SIGINT ignored takes Python's handler back (KeyboardInterrupt: pytest
    stops, tearing down, and writes its JUnit file)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


# The generated company's files are quarterly (<entity>/2024-Q1.csv ...); a landing that
# grows lands the last quarters later.
LATER_QUARTERS = (("2024-Q3.", "2024-Q4."), ("2024-Q4.",), ())


@dataclass(frozen=True)
class Landings:
    """A company's landing folder as it grows: up to Q2, up to Q3, then every file."""

    stages: tuple[Path, ...]

    @property
    def first(self) -> Path:
        """The landing before the last quarter arrives."""
        return self.stages[-2]

    @property
    def full(self) -> Path:
        return self.stages[-1]


def grow_landing(full: Path, root: Path) -> Landings:
    """Copies of `full` without the later quarters' files, one per stage."""
    stages = []
    for number, later in enumerate(LATER_QUARTERS, start=1):
        stage = root / f"stage{number}"

        def left_out(_folder: str, names: list[str], later=later) -> list[str]:
            return [name for name in names if any(quarter in name for quarter in later)]

        shutil.copytree(full, stage, ignore=left_out)
        stages.append(stage)
    return Landings(tuple(stages))


@pytest.fixture(scope="session")
def crash_company(tmp_path_factory) -> Landings:
    """A small company (120 accounts, 12 months, 1% bad rows), landing in three stages."""
    from generator import generate

    root = tmp_path_factory.mktemp("crash_company")
    generate(
        root / "generated",
        accounts=120,
        start="2024-01",
        months=12,
        seed=11,
        bad_rows=0.01,
        progress=False,
    )
    return grow_landing(root / "generated", root)


@dataclass(frozen=True)
class Reference:
    """A warehouse path used by every run of a campaign (one dbt parse), the state after a
    clean run of the first landing (`before`, what each kill starts from), a clean run of
    the full landing from there (`after`: its warehouse folder) and that run's phase
    windows (the lengths the kill points are fractions of)."""

    warehouse: Path
    before: Path
    after: Path
    windows: dict[str, list[float]]

    @property
    def after_warehouse(self) -> Path:
        return self.after / self.warehouse.name


@pytest.fixture(scope="session")
def crash_reference(tmp_path_factory, crash_company: Landings) -> Reference:
    root = tmp_path_factory.mktemp("crash_reference")
    warehouse = root / "wh" / "revops.duckdb"
    clean_run(crash_company.first, warehouse)
    shutil.copytree(warehouse.parent, root / "before", symlinks=True)
    run = clean_run(crash_company.full, warehouse)
    shutil.copytree(warehouse.parent, root / "after", symlinks=True)
    return Reference(warehouse, root / "before", root / "after", phase_windows(run))
