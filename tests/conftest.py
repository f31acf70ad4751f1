"""Shared fixtures: a small generated company, and the repo root on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("DBT_PROFILES_DIR", str(ROOT))


@pytest.fixture(scope="session")
def small_company(tmp_path_factory) -> Path:
    """A landing folder with a small generated company (fast enough for every test run)."""
    from revops.generator import generate

    landing = tmp_path_factory.mktemp("small_company") / "landing"
    generate(landing, accounts=60, start="2024-01", months=12, seed=7, progress=False)
    return landing
