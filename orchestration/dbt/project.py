"""The one dbt project, and making its manifest before Dagster reads it.

Importing the definitions never runs dbt: `dbt_assets` reads the manifest that
`prepare_manifest` wrote (called by `revops run`, the tests and the bench) or
that `DbtProject.prepare_if_dev()` writes under `dagster dev`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from foundation.settings import PROJECT_ROOT, Settings
from orchestration.dbt.args import target_args
from orchestration.dbt.client import venv_dbt
from orchestration.dbt.watchdog import ends_with_this_process
from orchestration.dbt.worker import PARSE_VARS_FILE

# The venv's dbt (the dbt-core installed beside this code), also when the venv is not on
# PATH (`.venv/bin/revops`); another dbt on PATH only when the venv has none.
DBT_EXECUTABLE = venv_dbt()
DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "dbt_project")


class DbtManifestMissing(RuntimeError):
    """The definitions were loaded before the dbt manifest was made."""


dbt_project = DbtProject(
    project_dir=PROJECT_ROOT,
    profiles_dir=PROJECT_ROOT,
    target_path=Path("target"),
)
dbt_project.prepare_if_dev()


def manifest_path() -> Path:
    """The parsed manifest; a clear error when nobody has made it yet."""
    path = dbt_project.manifest_path
    if not path.exists():
        raise DbtManifestMissing(
            f"the dbt manifest {path} does not exist: run `revops run` (which makes it) "
            "or `.venv/bin/dbt parse` from the repository root before loading the definitions"
        )
    return path


def _newest_source_mtime(root: Path) -> float:
    newest = 0.0
    for name in DBT_SOURCES:
        path = root / name
        paths = path.rglob("*") if path.is_dir() else [path]
        for item in paths:
            if item.is_file():
                newest = max(newest, item.stat().st_mtime)
    return newest


def prepare_manifest(settings: Settings) -> Path:
    """`dbt parse` when the manifest is missing, older than a dbt source file, or was
    parsed for another target or with other settings (dbt would re-parse at every build
    otherwise: its partial parse is kept only for the same target and vars)."""
    manifest = dbt_project.manifest_path
    parse_args = target_args(settings)
    recorded = manifest.parent / PARSE_VARS_FILE
    fresh = (
        manifest.exists()
        and manifest.stat().st_mtime >= _newest_source_mtime(PROJECT_ROOT)
        and recorded.exists()
        and json.loads(recorded.read_text()) == parse_args
    )
    if not fresh:
        command = [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--target-path",
            str(manifest.parent),
            "--profiles-dir",
            str(PROJECT_ROOT),
            *parse_args,
        ]
        with subprocess.Popen(command, cwd=PROJECT_ROOT) as parse, ends_with_this_process(parse):
            code = parse.wait()
        if code:
            raise subprocess.CalledProcessError(code, command)
        recorded.write_text(json.dumps(parse_args))
    return manifest
