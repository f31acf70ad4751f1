"""The one cached dbt project, with its manifest made before Dagster reads it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from revops.settings import PROJECT_ROOT

# The venv's dbt, also when the venv is not on PATH (`.venv/bin/revops`).
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "dbt_project")


def _newest_source_mtime(root: Path) -> float:
    newest = 0.0
    for name in DBT_SOURCES:
        path = root / name
        paths = path.rglob("*") if path.is_dir() else [path]
        for item in paths:
            if item.is_file():
                newest = max(newest, item.stat().st_mtime)
    return newest


@cache
def dbt_project() -> DbtProject:
    """The dbt project at the repository root.

    `DbtProject.prepare_if_dev()` acts only under `dagster dev`, so the manifest
    is (re)made here with `dbt parse` whenever it is missing or older than a
    dbt source file: tests, CI, `revops run` and `dagster dev` all get a fresh one.
    """
    project = DbtProject(
        project_dir=PROJECT_ROOT,
        profiles_dir=PROJECT_ROOT,
        target_path=Path("target"),
    )
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(PROJECT_ROOT):
        subprocess.run(
            [DBT_EXECUTABLE, "parse", "--quiet", "--target-path", str(manifest.parent)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT)},
            check=True,
        )
    return project
