"""Building the hand-computed company's warehouse and comparing numbers with it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import date
from fractions import Fraction as F
from pathlib import Path

import duckdb

from foundation.settings import Settings
from ingestion.loader import load_landing
from ml.churn_step import score_warehouse
from orchestration.dbt.args import AFTER_ML
from tests.dbt_runs import DBT, run_dbt
from tests.metrics import metrics_company as co

ROOT = Path(__file__).resolve().parents[2]
MF = Path(sys.executable).with_name("mf")
TOLERANCE = 1e-6


def dbt_around_churn_model(
    command: str,
    warehouse: Path,
    target: Path,
    *,
    select: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    args: tuple[str, ...] = (),
) -> None:
    """`dbt <command>` as the pipeline runs it: the nodes chosen but those reading the ml
    tables, the churn model's step (ml/churn_step.py), then those (`AFTER_ML`)."""
    selected = ("--select", *select) if select else ()
    before = [command, *selected, "--exclude", AFTER_ML, *exclude, *args]
    after = [command, "--select", AFTER_ML, *(("--exclude", *exclude) if exclude else ()), *args]
    result = run_dbt(before, warehouse, target)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    score_warehouse(Settings(landing=warehouse.parent, warehouse=warehouse))
    result = run_dbt(after, warehouse, target)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


def build_company(tmp: Path, as_of: str) -> Path:
    landing = co.write_landing(tmp / "landing")
    warehouse = tmp / "warehouse.duckdb"
    load_landing(Settings(landing, warehouse))
    dbt_around_churn_model(
        "build", warehouse, tmp / "target", args=("--vars", f"{{as_of: '{as_of}'}}")
    )
    return warehouse


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def as_iso(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def close(actual: object, expected: F | None) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return abs(float(actual) - float(expected)) <= TOLERANCE * max(1.0, abs(float(expected)))


def show(value: F | None) -> str:
    return "null" if value is None else f"{float(value):.6f}"


def assert_rows(got: dict[tuple, tuple], expected: dict[tuple, tuple]) -> None:
    """Same keys, and every value of every row within TOLERANCE (None = null)."""
    assert sorted(got) == sorted(expected)
    mismatches = [
        f"{key}: got {got[key]}, expected {tuple(show(v) for v in exp)}"
        for key, exp in expected.items()
        if not all(close(g, e) for g, e in zip(got[key], exp, strict=True))
    ]
    assert not mismatches, "\n".join(mismatches)


def mf_query(warehouse: Path, tmp_path: Path, metrics: str, group_by: str) -> list[dict]:
    """`mf query` on a copy of the project (MetricFlow writes into the project's target)."""
    project = tmp_path / "project"
    if not project.exists():
        project.mkdir()
        for name in ("dbt_project.yml", "profiles.yml"):
            shutil.copy(ROOT / name, project / name)
        shutil.copytree(ROOT / "dbt_project", project / "dbt_project")
    env = {**os.environ, "REVOPS_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project)}
    parsed = subprocess.run(
        [DBT, "parse", "--vars", f"{{as_of: '{co.AS_OF}'}}"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stdout[-4000:]
    out = tmp_path / f"{group_by}.csv"
    result = subprocess.run(
        [str(MF), "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0 and out.exists(), result.stdout[-4000:] + result.stderr
    with out.open() as handle:
        return list(csv.DictReader(handle))
