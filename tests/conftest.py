"""Shared fixtures: a small generated company."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_company(tmp_path_factory) -> Path:
    """A landing folder with a small generated company (fast enough for every test run)."""
    from generator import generate

    landing = tmp_path_factory.mktemp("small_company") / "landing"
    generate(landing, accounts=60, start="2024-01", months=12, seed=7, progress=False)
    return landing


@pytest.fixture(scope="session")
def flawed_company(tmp_path_factory) -> Path:
    """The small company with 2% bad rows: the pipeline quarantines some rows
    (`audit.load_files.rows_quarantined`) and dbt flags and excludes others
    (`intermediate.int_records_excluded`)."""
    from generator import generate

    landing = tmp_path_factory.mktemp("flawed_company") / "landing"
    generate(
        landing, accounts=60, start="2024-01", months=12, seed=7, bad_rows=0.02, progress=False
    )
    return landing


@pytest.fixture(scope="session")
def pipeline_warehouse(tmp_path_factory, flawed_company) -> Path:
    """`revops.duckdb` after one successful pipeline run of `flawed_company` (which also
    validated every GX suite once). Never changed: copy it."""
    from tests.pipeline import run_pipeline

    warehouse = tmp_path_factory.mktemp("pipeline") / "wh" / "revops.duckdb"
    run_pipeline(flawed_company, warehouse)
    return warehouse
