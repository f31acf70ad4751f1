"""The report of the small generated company, written by the real pipeline run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from foundation.settings import Settings


@pytest.fixture(scope="session")
def published(pipeline_warehouse: Path, tmp_path_factory) -> Settings:
    """Settings of a copy of the pipeline's warehouse folder (serving.duckdb and the
    report/index.html that the Dagster asset wrote); copy it again to change it."""
    folder = tmp_path_factory.mktemp("report") / "wh"
    shutil.copytree(pipeline_warehouse.parent, folder)
    return Settings(landing=folder / "landing", warehouse=folder / pipeline_warehouse.name)


@pytest.fixture
def settings(published: Settings, tmp_path: Path) -> Settings:
    """A private, writable copy of the published serving database (published read-only),
    its report folder empty."""
    folder = tmp_path / "wh"
    folder.mkdir()
    shutil.copyfile(published.serving, folder / published.serving.name)
    return Settings(landing=tmp_path / "landing", warehouse=folder / published.warehouse.name)
