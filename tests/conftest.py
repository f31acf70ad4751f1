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
