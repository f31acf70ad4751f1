"""Helpers of the tests/dbt modules: build the star schema with dbt, read a warehouse.

The star schema is the core area (its intermediates and marts) with staging and audit,
and the seed its tests read; the finance, sales and metrics areas are not built.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from tests.dbt_runs import run_dbt

MODELS = "dbt_project/models"
STAR_FOLDERS = ("staging", "audit", "intermediate/core", "marts/core")
SELECT = [*(f"path:{MODELS}/{folder}" for folder in STAR_FOLDERS), "reason_codes"]


def build_star(warehouse: Path, target: Path, *extra: str) -> None:
    """`dbt build` of the star schema on `warehouse`; fails the test when dbt fails."""
    args = ["build", "--select", *SELECT]
    args += ["--indirect-selection", "cautious"]  # tests of unselected models stay out
    done = run_dbt([*args, *extra], warehouse, target)
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        raise AssertionError(
            f"dbt build failed ({warehouse}):\n" + "\n".join(failed) + "\n" + done.stdout[-4000:]
        )


def build_after_each_load(tmp: Path, loads: list[Callable[[Path], None]]) -> dict[str, Path]:
    """Run each load, then `dbt build`, into one warehouse; a copy of it after each
    (`after_1`, ...) and a `--full-refresh` build after the last load (`full_refresh`,
    on a copy, beside the last incremental build), which the incremental sequence must
    equal."""
    wh, target = tmp / "warehouse.duckdb", tmp / "target"
    refreshed = tmp / "full_refresh" / "warehouse.duckdb"
    refreshed.parent.mkdir()
    out = {"full_refresh": refreshed}
    for number, load in enumerate(loads, start=1):
        load(wh)
        if number == len(loads):
            shutil.copy(wh, refreshed)
            with ThreadPoolExecutor(2) as both:  # two warehouses, two dbt processes
                refresh = both.submit(build_star, refreshed, tmp / "target_full", "--full-refresh")
                build_star(wh, target)
                refresh.result()
        else:
            build_star(wh, target)
        out[f"after_{number}"] = tmp / f"after_{number}.duckdb"
        shutil.copy(wh, out[f"after_{number}"])
    return out


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
