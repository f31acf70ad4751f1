"""Fixtures of the GX tests: a fresh copy of the clean warehouse per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.quality.quality_warehouse import build_clean_warehouse


@pytest.fixture(scope="session")
def clean_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_clean_warehouse(tmp_path_factory.mktemp("quality") / "clean.duckdb")


@pytest.fixture
def warehouse(tmp_path: Path, clean_template: Path) -> Path:
    """A fresh copy of the clean warehouse (quality_warehouse.py) for one test."""
    path = tmp_path / "warehouse" / "revops.duckdb"
    path.parent.mkdir(parents=True)
    path.write_bytes(clean_template.read_bytes())
    return path
