"""Helpers of the tests/dbt modules: build the star schema with dbt, parse the project,
read a warehouse.

The star schema is the core area (its intermediates and marts) with staging and audit,
and the seed its tests read; the finance, sales and metrics areas are not built.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
MODELS = "dbt_project/models"
STAR_FOLDERS = ("staging", "audit", "intermediate/core", "marts/core")
SELECT = [*(f"path:{MODELS}/{folder}" for folder in STAR_FOLDERS), "reason_codes"]


def _dbt(args: list[str], warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    cmd = [
        DBT,
        *args,
        "--project-dir",
        str(ROOT),
        "--profiles-dir",
        str(ROOT),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    env = {**os.environ, "REVOPS_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(ROOT)}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)


def run_dbt(warehouse: Path, target: Path, *extra: str) -> None:
    """`dbt build` of the star schema on `warehouse`; fails the test when dbt fails."""
    args = ["build", "--select", *SELECT]
    args += ["--indirect-selection", "cautious"]  # tests of unselected models stay out
    done = _dbt([*args, *extra], warehouse, target)
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        raise AssertionError(
            f"dbt build failed ({warehouse}):\n" + "\n".join(failed) + "\n" + done.stdout[-4000:]
        )


def build_after_each_load(tmp: Path, loads: list[Callable[[Path], None]]) -> dict[str, Path]:
    """Run each load, then `dbt build`, into one warehouse; a copy of it after each
    (`after_1`, ...) and a `--full-refresh` build of the last (`full_refresh`), which
    an incremental sequence must equal."""
    wh, target = tmp / "warehouse.duckdb", tmp / "target"
    out = {}
    for number, load in enumerate(loads, start=1):
        load(wh)
        run_dbt(wh, target)
        out[f"after_{number}"] = tmp / f"after_{number}.duckdb"
        shutil.copy(wh, out[f"after_{number}"])
    # On the same file (a copy of its last state is kept above): another path would
    # change dbt's profile and cost a whole parse of the project.
    run_dbt(wh, target, "--full-refresh")
    out["full_refresh"] = wh
    return out


def parse_manifest(target: Path) -> dict[str, Any]:
    """The manifest of `dbt parse` (no warehouse is opened)."""
    done = _dbt(["parse", "--quiet"], target / "unused.duckdb", target)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return json.loads((target / "manifest.json").read_text())


def star_models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The models of the star schema's folders, by name."""
    folders = tuple(f"{MODELS}/{folder}/" for folder in STAR_FOLDERS)
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith(folders)
    }


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
