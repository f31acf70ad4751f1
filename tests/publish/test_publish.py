"""Publishing: serving.duckdb and Parquet swapped in atomically, readable by DuckDB 1.x."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import duckdb
import pytest

from foundation.settings import PROJECT_ROOT, Settings
from serving.publish import PublishError, publish

DUCKDB1 = PROJECT_ROOT / ".venv" / "duckdb1"


def _make_warehouse(settings: Settings, mrr_values: list[int]) -> None:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.metrics_monthly as "
            "select * from (values "
            + ", ".join(f"(date '2025-{i + 1:02d}-01', {v})" for i, v in enumerate(mrr_values))
            + ") as t(month, mrr)"
        )
        con.execute("create or replace table marts.fct_mrr as select 'a1' as account_id")
        con.execute("create or replace view marts.not_a_table as select 1 as x")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "wh" / "revops.duckdb")


def test_publish_copies_every_mart_table_to_serving_and_parquet(settings):
    _make_warehouse(settings, [100, 200, 300])
    result = publish(settings)
    assert result.tables == {"fct_mrr": 1, "metrics_monthly": 3}
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        # 100 + 200 + 300
        assert con.execute("select sum(mrr) from marts.metrics_monthly").fetchone()[0] == 600
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    assert sorted(t[0] for t in tables) == ["fct_mrr", "metrics_monthly"]
    parquet = settings.parquet_dir / "metrics_monthly.parquet"
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall() == [(3,)]
    leftovers = [p.name for p in settings.warehouse_dir.rglob("*.tmp-*")]
    assert leftovers == []


@pytest.mark.skipif(not DUCKDB1.exists(), reason="needs the DuckDB 1.x client: run `make install`")
def test_serving_database_opens_with_a_duckdb_1x_client(settings):
    _make_warehouse(settings, [100, 250])
    publish(settings)
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps([duckdb.__version__, "
        "con.execute('select sum(mrr) from marts.metrics_monthly').fetchone()[0]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(DUCKDB1)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(settings.serving)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    version, total = json.loads(done.stdout)
    assert version.startswith("1."), version
    assert total == 350  # 100 + 250


def test_open_reader_keeps_old_version_and_sees_new_one_on_reopen(settings):
    _make_warehouse(settings, [100])
    publish(settings)
    reader = duckdb.connect(str(settings.serving), read_only=True)
    try:
        _make_warehouse(settings, [100, 200])
        publish(settings)
        # The open handle still reads the version it opened: one row.
        assert reader.execute("select count(*) from marts.metrics_monthly").fetchone()[0] == 1
    finally:
        reader.close()
    with duckdb.connect(str(settings.serving), read_only=True) as fresh:
        assert fresh.execute("select count(*) from marts.metrics_monthly").fetchone()[0] == 2


def test_failed_blocking_check_refuses_to_publish_and_keeps_previous_files(settings):
    _make_warehouse(settings, [100])
    publish(settings)
    before = {p.name: _digest(p) for p in [settings.serving, *settings.parquet_dir.iterdir()]}
    _make_warehouse(settings, [100, 999])
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists audit")
        con.execute(
            "create table audit.validation_results (run_id varchar, table_name varchar, "
            "expectation varchar, success boolean, severity varchar)"
        )
        con.execute(
            "insert into audit.validation_results values "
            "('run-1', 'metrics_monthly', 'arr = 12 * mrr', false, 'error'), "
            "('run-1', 'fct_mrr', 'a warning only', false, 'warn')"
        )
    with pytest.raises(PublishError, match=r"1 blocking check\(s\) failed: metrics_monthly"):
        publish(settings, run_id="run-1")
    after = {p.name: _digest(p) for p in [settings.serving, *settings.parquet_dir.iterdir()]}
    assert after == before
    # Another run without failures publishes.
    publish(settings, run_id="run-2")
    assert _digest(settings.serving) != before["serving.duckdb"]
