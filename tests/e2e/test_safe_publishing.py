"""Safe publishing through the real pipeline: blocking failures and readers during a run."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from foundation.settings import PROJECT_ROOT


def revops(*args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT):
    """`python -m revops.cli` from `cwd`: `-m` puts `cwd` first on sys.path, so the
    code (and dbt project) that runs is the one in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "revops.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        check=False,
        timeout=900,
    )


def _published_digests(warehouse_dir: Path) -> dict[str, str]:
    files = [warehouse_dir / "serving.duckdb", *sorted((warehouse_dir / "parquet").iterdir())]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _failing_run(warehouse: Path, landing: Path, *args: str, cwd: Path = PROJECT_ROOT) -> str:
    """`revops run` on a published warehouse that must fail: exit 1 and the published
    files byte-identical. Returns the `error: ...` line."""
    before = _published_digests(warehouse.parent)
    env = {"REVOPS_LANDING": str(landing), "REVOPS_WAREHOUSE": str(warehouse)}
    done = revops("run", *args, env=env, cwd=cwd)
    assert done.returncode == 1, done.stderr
    reason = next(ln for ln in done.stderr.splitlines() if ln.startswith("error: "))
    assert reason.startswith("error: pipeline failed"), done.stderr
    assert _published_digests(warehouse.parent) == before
    return reason


@pytest.fixture(scope="module")
def published(tmp_path_factory, small_company) -> Path:
    """A warehouse after one good run (copied by each test that changes it)."""
    warehouse = tmp_path_factory.mktemp("published") / "wh" / "revops.duckdb"
    env = {"REVOPS_LANDING": str(small_company), "REVOPS_WAREHOUSE": str(warehouse)}
    done = revops("run", env=env)
    assert done.returncode == 0, done.stderr
    return warehouse


def _copy(published: Path, tmp_path: Path) -> Path:
    target = tmp_path / "wh"
    shutil.copytree(published.parent, target)
    return target / published.name


def test_blocking_check_failure_exits_1_and_keeps_published_version(
    published, small_company, tmp_path
):
    warehouse = _copy(published, tmp_path)
    # Break what the raw suite checks: raw rows = rows_loaded in audit.load_files.
    with duckdb.connect(str(warehouse)) as con:
        loaded = con.execute("select count(*) from raw.invoices").fetchone()[0]
        con.execute("insert into raw.invoices select * from raw.invoices limit 2")
    reason = _failing_run(warehouse, small_company)
    # one line: the suite, the expectation, its count and the offending row
    sample = json.dumps([{"raw_rows": loaded + 2, "loaded_rows": loaded}])
    assert reason.endswith(
        "checks failed: raw.invoices [error] failed: count(*) of raw.invoices equals the "
        f"rows_loaded of its loaded files in audit.load_files: 1 unexpected, e.g. {sample}"
    ), reason
    with duckdb.connect(str(warehouse), read_only=True) as con:
        failures = con.execute(
            "select table_name, expectation, severity, unexpected_count, unexpected_sample "
            "from audit.validation_results where not success"
        ).fetchall()
        step_failures = con.execute("select step_key, reason from audit.run_failures").fetchall()
    assert failures == [("invoices", "unexpected_rows_expectation", "error", 1, sample)]
    # The failed step and its reason are in the audit log (the job's failure hook).
    assert [step for step, _ in step_failures] == ["gx_raw"]
    assert "raw/invoices" in step_failures[0][1]


# The code a run needs; a copy of it stands for a deployment with a faulty model.
PROJECT_FILES = (
    "dbt_project.yml",
    "profiles.yml",
    "dbt_project",
    "foundation",
    "ingestion",
    "expectations",
    "generator",
    "serving",
    "orchestration",
    "revops",
)


def _project_copy(dest: Path) -> Path:
    dest.mkdir()
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)
    return dest


def test_a_broken_mart_exits_1_naming_the_expectation_and_keeps_published_version(
    published, small_company, tmp_path
):
    """A model change that loses a staged row from a fact and breaks no dbt test: only
    GX's reconciliation of staging with the facts sees it."""
    warehouse = _copy(published, tmp_path)
    project = _project_copy(tmp_path / "project")
    model = project / "dbt_project" / "models" / "marts" / "core" / "fct_payments.sql"
    sql = model.read_text()
    # The first failed payment goes missing: a failed payment moves no metric (not
    # received, no receivable changes), so no dbt test of any model notices.
    # (the metric models read int_payments_validated, not the fact, so nothing else moves)
    incremental = "    {{ incremental_fact_rows('payments', 'payment_id') }}\n"
    broken = sql.replace(
        incremental,
        "    select * from {{ ref('int_payments_validated') }} as payments\n"
        "    where payments.payment_id <> (\n"
        "        select min(payment_id) from {{ ref('int_payments_validated') }}\n"
        "        where payment_status = 'failed'\n"
        "    )\n",
        1,
    )
    assert broken != sql, "the model text changed: update the corruption above"
    model.write_text(broken)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (lost,) = con.execute(
            "select min(payment_id) from intermediate.int_payments_converted_to_usd "
            "where payment_status = 'failed'"
        ).fetchone()
        # a fact row today, so not excluded: exactly this one will be lost
        assert con.execute(
            "select count(*) from marts.fct_payments where payment_id = ?", [lost]
        ).fetchone() == (1,)

    # the copy's code runs
    reason = _failing_run(warehouse, small_company, "--full-refresh", cwd=project)

    assert reason.endswith(
        "checks failed: marts.fct_payments [error] failed: every payment_id of stg_payments is "
        "in fct_payments or in int_records_excluded (nothing lost): 1 unexpected, e.g. "
        + json.dumps([{"payment_id": lost}])
    ), reason
    with duckdb.connect(str(warehouse), read_only=True) as con:
        failed = con.execute(
            "select table_name, description, unexpected_count from audit.validation_results"
            " where not success"
        ).fetchall()
    assert failed == [
        (
            "fct_payments",
            "every payment_id of stg_payments is in fct_payments or in int_records_excluded "
            "(nothing lost)",
            1,
        )
    ]


READER = textwrap.dedent(
    """
    import duckdb, json, sys, time
    path, stop_file = sys.argv[1], sys.argv[2]
    import os
    seen, errors = [], []
    while not os.path.exists(stop_file):
        try:
            con = duckdb.connect(path, read_only=True)
            row = con.execute(
                "select count(*), sum(hash(month, mrr)) from marts.metrics_monthly"
            ).fetchone()
            con.close()
            seen.append([row[0], str(row[1])])
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.05)
    print(json.dumps({"seen": seen, "errors": errors}))
    """
)


def _version(serving: Path) -> list:
    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute(
            "select count(*), sum(hash(month, mrr)) from marts.metrics_monthly"
        ).fetchone()
    return [row[0], str(row[1])]


def test_reader_during_a_run_never_errors_and_sees_whole_versions(
    published, small_company, tmp_path
):
    warehouse = _copy(published, tmp_path)
    serving = warehouse.parent / "serving.duckdb"
    old = _version(serving)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env = {"REVOPS_LANDING": str(small_company), "REVOPS_WAREHOUSE": str(warehouse)}
        # An earlier as-of date gives a new version of metrics_monthly (fewer months).
        done = revops("run", "--as-of", "2024-09-30", env=env)
        assert done.returncode == 0, done.stderr
    finally:
        stop.write_text("stop")
        out, reader_err = reader.communicate(timeout=60)
    assert out, reader_err
    report = json.loads(out)
    new = _version(serving)
    assert new != old, "the run should have published a new version"
    assert report["errors"] == [], report["errors"][:3]
    assert len(report["seen"]) > 5, "the reader should have read during the run"
    assert all(version in (old, new) for version in report["seen"]), report["seen"][:5]
