"""Fixtures of throwaway engine servers (foundation.engines.local_postgres,
tests/engines/servers.py), started only when a test asks for them. Postgres and the
Thrift server (processes of their own) last the session; a local Spark session lives in
this process's one JVM, which a pipeline run or another module's session needs for
itself, so it lasts one module and is stopped after."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation.engines import EngineClient, open_engine
from foundation.engines.local_postgres import PostgresServer, Unavailable, start_postgres
from foundation.settings import Settings
from tests.engines.servers import (
    ThriftServer,
    new_spark_dir,
    require_java,
    spark_settings,
    start_thrift_server,
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A Postgres cluster of its own (trust auth, loopback, a free port), database `revops`."""
    try:
        server = start_postgres()
    except Unavailable as missing:
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        server.stop()


def _java_or_skip() -> None:
    try:
        require_java()
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def spark_dir() -> Iterator[Path]:
    """An empty Spark folder (warehouse dir, Derby metastore, Parquet) for local sessions."""
    _java_or_skip()
    folder = new_spark_dir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def thrift_server() -> Iterator[ThriftServer]:
    """A Spark Thrift server on a free port, on a Spark folder of its own."""
    _java_or_skip()
    folder = new_spark_dir()
    try:
        server = start_thrift_server(folder)
    except Unavailable as missing:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def spark_session_client(spark_dir: Path) -> Iterator[EngineClient]:
    """One SparkSession client for the module's Spark tests (a JVM start costs seconds;
    pyspark holds one session per process)."""
    with open_engine(spark_settings(base_settings(spark_dir), spark_dir)) as client:
        yield client


def base_settings(folder: Path) -> Settings:
    """Settings of a DuckDB warehouse in `folder` (the engine is set by the caller)."""
    return Settings(landing=folder / "landing", warehouse=folder / "wh" / "revops.duckdb")
