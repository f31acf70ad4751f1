"""Fixtures of the GX tests: the warehouse built by the real pipeline
(`pipeline_warehouse`, tests/conftest.py), copied per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation.settings import Settings
from tests.quality.warehouse_sql import warehouse_copy


@pytest.fixture
def settings(tmp_path: Path, flawed_company: Path, pipeline_warehouse: Path) -> Settings:
    """Settings of a fresh copy of the pipeline's warehouse file."""
    return Settings(landing=flawed_company, warehouse=warehouse_copy(pipeline_warehouse, tmp_path))
