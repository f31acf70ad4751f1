"""The same company on each engine gives the same marts.

One generated company with bad rows (the flawed company: rows quarantined by the loader,
flagged and excluded by dbt) runs through `revops_pipeline` on the DuckDB default (the
session's clean run, tests/conftest.py) and on Postgres, each in a warehouse of its own.
On Spark, the DuckDB run's raw batches are shipped to a Spark Thrift server started from
pyspark's jars (as a user with a cluster points the `spark` target at one, `method:
thrift`), where `dbt run` builds every model around the churn-model step, as the
pipeline does (the data tests cost a Spark statement each: their run is left to the next
test). `make portability` also runs the whole pipeline, checks and publishing included,
on a local Spark session (`engines_long`: about 6 minutes on two cores, 10 when the
machine is busy) and compares its marts and serving files too.

Every mart the DuckDB run built is then read from each engine and compared row for row
with tests.portability.compare (money to the cent, rates to 1e-9, same nulls, no row
missing or duplicated; only the load time of the facts' rows differs by nature). The
published serving files of the Postgres run are compared too: BI tools read those,
whatever the engine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from foundation.engines import open_engine
from foundation.settings import PROJECT_ROOT, Settings, SparkSettings
from ingestion.ship import ship_raw
from ml.churn_step import score_warehouse
from orchestration.dbt.args import AFTER_ML, target_args
from orchestration.run import run_job
from tests.portability.compare import MARTS, MartSpec, compare_mart

# When a fact's rows were loaded: two runs load at two times, whatever the engine.
LOAD_TIME = frozenset({"_source_loaded_at"})


def _compare(mart: str, ours: object, theirs: object, other: str):
    spec = MARTS[mart]
    spec = MartSpec(key=spec.key, money=spec.money, ignored=spec.ignored | LOAD_TIME)
    return compare_mart(mart, ours, theirs, spec=spec, labels=("duckdb", other))


def _run(settings: Settings) -> Settings:
    outcome = run_job(settings)
    assert outcome.success, f"{settings.engine} run failed: {outcome.reason}"
    return settings


@pytest.fixture(scope="module")
def duckdb_run(flawed_company, pipeline_warehouse, tmp_path_factory) -> Settings:
    """The DuckDB default's run: a copy of the session's clean run (tests/conftest.py)."""
    folder = tmp_path_factory.mktemp("portability_duckdb") / "wh"
    shutil.copytree(pipeline_warehouse.parent, folder, symlinks=True)
    return Settings(landing=flawed_company, warehouse=folder / pipeline_warehouse.name)


@pytest.fixture(scope="module")
def postgres_run(flawed_company, tmp_path_factory, postgres_server) -> Settings:
    folder = tmp_path_factory.mktemp("portability_postgres")
    base = Settings(landing=flawed_company, warehouse=folder / "revops.duckdb")
    return _run(postgres_server.settings(base))


def _dbt_run(settings: Settings, target: Path, *select: str) -> None:
    """`dbt run` on `settings`' engine, its logs and artifacts in `target`."""
    command = [str(Path(sys.executable).with_name("dbt")), "run", *target_args(settings)]
    command += [*select, "--target-path", str(target), "--log-path", str(target / "logs")]
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    failed = [line for line in done.stdout.splitlines() if "ERROR" in line]
    assert done.returncode == 0, "\n".join(failed) + "\n" + done.stdout[-3000:]


@pytest.fixture(scope="module")
def spark_run(duckdb_run, tmp_path_factory, thrift_server) -> Settings:
    """The DuckDB run's raw batches shipped over Thrift, then dbt and the churn-model step
    on the server, in the pipeline's order."""
    folder = tmp_path_factory.mktemp("portability_spark")
    shutil.copy(duckdb_run.warehouse, folder / "revops.duckdb")
    settings = thrift_server.settings(
        Settings(landing=duckdb_run.landing, warehouse=folder / "revops.duckdb")
    )
    shipped = ship_raw(settings)
    assert shipped.rows > 1000, shipped.summary()
    _dbt_run(settings, folder / "target", "--exclude", AFTER_ML)
    score_warehouse(settings)
    _dbt_run(settings, folder / "target", "--select", AFTER_ML)
    return settings


@pytest.fixture(scope="module")
def spark_session_run(flawed_company, tmp_path_factory) -> Settings:
    """`revops_pipeline` with the engine `spark`: a local session (pyspark's JVM in this
    process for the Python steps, dbt's own in its process) on a Spark folder of its own."""
    folder = tmp_path_factory.mktemp("portability_spark_session")
    base = Settings(landing=flawed_company, warehouse=folder / "revops.duckdb")
    return _run(replace(base, engine="spark", spark=SparkSettings(dir=folder / "spark")))


def _marts(settings: Settings) -> dict[str, object]:
    with open_engine(settings) as engine:
        return {
            table: engine.fetch_arrow(f"select * from {engine.quote('marts', table)}")
            for table in engine.tables("marts")
        }


def _serving(settings: Settings) -> dict[str, object]:
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {t: con.sql(f'select * from marts."{t}"').to_arrow_table() for t in tables}


def _mart_diffs(ours: Settings, theirs: Settings, engine: str) -> tuple[list[str], list]:
    """The marts of the `ours` run (names) and each one's comparison with `theirs`."""
    mine, other = _marts(ours), _marts(theirs)
    assert sorted(other) == sorted(mine)
    return sorted(mine), [_compare(mart, mine[mart], other[mart], engine) for mart in sorted(mine)]


def _assert_serving_equal(ours: Settings, theirs: Settings, engine: str) -> None:
    mine, other = _serving(ours), _serving(theirs)
    assert sorted(other) == sorted(mine)
    for mart in sorted(mine):
        assert other[mart].schema.names == mine[mart].schema.names, mart
        diff = _compare(mart, mine[mart], other[mart], engine)
        assert diff.equal, str(diff)


@pytest.mark.slow
def test_every_mart_on_postgres_equals_duckdbs_row_for_row(duckdb_run, postgres_run):
    marts, diffs = _mart_diffs(duckdb_run, postgres_run, "postgres")
    assert set(MARTS) <= set(marts), "a mart of the DuckDB run is missing from compare.MARTS"
    assert sum(diff.row_counts[0] for diff in diffs) > 1000  # the company is not empty
    assert [str(diff) for diff in diffs if not diff.equal] == []


@pytest.mark.slow
def test_the_serving_files_of_a_postgres_run_equal_a_duckdb_runs(duckdb_run, postgres_run):
    _assert_serving_equal(duckdb_run, postgres_run, "postgres")


@pytest.mark.slow
def test_every_mart_on_spark_over_thrift_equals_duckdbs_row_for_row(duckdb_run, spark_run):
    _, diffs = _mart_diffs(duckdb_run, spark_run, "spark")
    assert sum(diff.row_counts[0] for diff in diffs) > 1000  # the company is not empty
    assert [str(diff) for diff in diffs if not diff.equal] == []


@pytest.mark.engines_long
def test_the_whole_pipeline_on_a_spark_session_gives_duckdbs_marts_and_serving_files(
    duckdb_run, spark_session_run
):
    _, diffs = _mart_diffs(duckdb_run, spark_session_run, "spark")
    assert [str(diff) for diff in diffs if not diff.equal] == []
    _assert_serving_equal(duckdb_run, spark_session_run, "spark")
