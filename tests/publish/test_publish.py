"""Publishing: serving.duckdb and Parquet swapped in atomically, readable by DuckDB 1.x."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def _stamp(serving) -> set[tuple[str, int, str]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return set(
            con.execute("select table_name, row_count, version from publication.marts").fetchall()
        )


def test_published_files_are_read_only_and_a_rerun_replaces_them(settings):
    _make_warehouse(settings, [100])
    first = publish(settings)
    published = [settings.serving, *settings.parquet_dir.iterdir()]
    assert sorted(p.name for p in published) == [
        "fct_mrr.parquet",
        "metrics_monthly.parquet",
        "serving.duckdb",
    ]
    assert {_mode(p) for p in published} == {0o444}
    _make_warehouse(settings, [100, 200])
    second = publish(settings)
    assert second.version != first.version
    assert {_mode(p) for p in [settings.serving, *settings.parquet_dir.iterdir()]} == {0o444}
    assert second.tables == {"fct_mrr": 1, "metrics_monthly": 2}
    assert _stamp(settings.serving) == {
        ("fct_mrr", 1, second.version),
        ("metrics_monthly", 2, second.version),
    }


def test_serving_and_parquet_are_one_version_named_in_each_file(settings):
    _make_warehouse(settings, [100, 200, 300])
    result = publish(settings, run_id="run-7")
    # The fixed paths are links through .published/current into the version's folder.
    folder = settings.warehouse_dir / ".published" / result.version
    assert settings.serving.resolve() == folder / "serving.duckdb"
    assert settings.parquet_dir.resolve() == folder / "parquet"
    assert os.readlink(settings.warehouse_dir / ".published" / "current") == result.version
    for name, rows in (("fct_mrr", 1), ("metrics_monthly", 3)):
        path = settings.parquet_dir / f"{name}.parquet"
        kv = dict(
            duckdb.sql(
                f"select key::varchar, value::varchar from parquet_kv_metadata('{path}')"
            ).fetchall()
        )
        assert kv == {"revops_version": result.version, "revops_run_id": "run-7"}
        assert duckdb.sql(f"select count(*) from '{path}'").fetchall() == [(rows,)]
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute("select distinct run_id from publication.marts").fetchall() == [
            ("run-7",)
        ]


def test_a_publish_killed_halfway_changes_nothing_readers_see_and_is_cleaned_up(settings):
    _make_warehouse(settings, [100])
    kept = publish(settings)
    versions = settings.warehouse_dir / ".published"
    # What a publish killed before its swap leaves: a version folder half written and a
    # link made but not yet renamed over `current`.
    dead = versions / "v20990101T000000000000Z-deadbeef"
    (dead / "parquet").mkdir(parents=True)
    (dead / "parquet" / "fct_mrr.parquet").write_bytes(b"PAR1 half")
    os.symlink(dead.name, versions / ".link-current-99999")
    # And one killed while it made the public links (the first publish of a warehouse).
    stale_link = settings.warehouse_dir / ".link-parquet-99999"
    os.symlink(".published/current/parquet", stale_link)
    assert _stamp(settings.serving) == {
        ("fct_mrr", 1, kept.version),
        ("metrics_monthly", 1, kept.version),
    }
    _make_warehouse(settings, [100, 200])
    newer = publish(settings)
    third = publish(settings)
    assert not stale_link.is_symlink()
    # Left: the current version, the one before it, and the `current` link.
    assert sorted(p.name for p in versions.iterdir()) == sorted(
        ["current", newer.version, third.version]
    )
    assert _stamp(settings.serving) == {
        ("fct_mrr", 1, third.version),
        ("metrics_monthly", 2, third.version),
    }


def test_a_warehouse_folder_copied_without_links_publishes_again(settings, tmp_path):
    """A copy that resolved the links (serving.duckdb a file, parquet a folder, as the
    publisher before versions wrote them) gets its links back on the next publish."""
    _make_warehouse(settings, [100])
    publish(settings)
    copy = tmp_path / "copy"
    shutil.copytree(settings.warehouse_dir, copy)  # follows the links
    moved = Settings(landing=settings.landing, warehouse=copy / "revops.duckdb")
    assert not moved.serving.is_symlink() and not moved.parquet_dir.is_symlink()
    _make_warehouse(moved, [100, 200, 300])
    result = publish(moved)
    assert moved.serving.is_symlink() and moved.parquet_dir.is_symlink()
    assert sorted(p.name for p in moved.parquet_dir.iterdir()) == [
        "fct_mrr.parquet",
        "metrics_monthly.parquet",
    ]
    assert _stamp(moved.serving) == {
        ("fct_mrr", 1, result.version),
        ("metrics_monthly", 3, result.version),
    }
    leftovers = [p.name for p in (copy / ".published").iterdir()]
    assert sorted(leftovers) == ["current", result.version]
