"""The Definitions, loaded the way `revops run` loads them: after making the manifest."""

from __future__ import annotations

import dagster as dg
import pytest

from foundation.settings import Settings
from orchestration.dbt.project import prepare_manifest


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    folder = tmp_path_factory.mktemp("defs")
    prepare_manifest(Settings(landing=folder / "landing", warehouse=folder / "w.duckdb"))
    from orchestration.definitions import defs

    return defs
