"""Throwaway engines for the GX engine tests: a Postgres cluster in a temp folder, a local
SparkSession on a temp Spark folder, and a DuckDB warehouse's tables copied into both.

The engine work brings shared session fixtures for the same servers in tests/engines/;
these keep their shape (`start_postgres()` -> a server with `.settings(base)` and
`.stop()`; a Spark folder given to `Settings.spark`) so that one can replace the other.
A missing binary is a skip naming the package that brings it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest

from foundation.settings import PostgresSettings, Settings, SparkSettings

LOOPBACK = "127.0.0.1"
# DuckDB column type -> Postgres (DECIMAL(p,s) is numeric(p,s)).
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    """A cluster in `root` (trust auth, loopback only) with the database `database`."""

    root: Path
    port: int
    database: str
    as_postgres: list[str]

    def settings(self, base: Settings, password: str = "") -> Settings:
        """`base` on this server (trust auth: a password is sent and not checked)."""
        pg = PostgresSettings(
            host=LOOPBACK,
            port=self.port,
            user="postgres",
            database=self.database,
            password=password,
        )
        return replace(base, engine="postgres", postgres=pg)

    def connect(self) -> Any:
        return psycopg2.connect(
            host=LOOPBACK, port=self.port, user="postgres", dbname=self.database
        )

    def execute(self, *statements: str) -> None:
        """Run `statements` in one transaction."""
        con = self.connect()
        try:
            with con.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
            con.commit()
        finally:
            con.close()

    def stop(self) -> None:
        subprocess.run(
            [*self.as_postgres, "pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(database: str = "revops") -> PostgresServer:
    """initdb a cluster in a new temp folder, start it on a free loopback port, create
    `database`. As root the cluster belongs to `postgres` (initdb refuses root)."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip("Postgres server binaries initdb and pg_ctl not on PATH (package postgresql)")
    root = Path(tempfile.mkdtemp(prefix="gxe-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    server = PostgresServer(root, port, database, as_postgres)
    data = str(root / "data")
    options = f"-p {port} -k {root} -c listen_addresses={LOOPBACK} -c fsync=off"
    try:
        for command in (
            ["initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
            ["pg_ctl", "-D", data, "-o", options, "-l", str(root / "log"), "-w", "start"],
            ["createdb", "-h", LOOPBACK, "-p", str(port), "-U", "postgres", database],
        ):
            subprocess.run([*as_postgres, *command], check=True, capture_output=True)
    except subprocess.CalledProcessError as error:
        server.stop()
        raise RuntimeError(f"Postgres did not start: {error.stderr.decode().strip()}") from None
    return server


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    schema, table = relation.split(".")
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


# dbt builds staging as views on every engine: the copies' staging relations are views
# over tables of `<schema>_rows`, so that GX meets views there too.
AS_VIEWS = ("staging",)


def _target(relation: str) -> tuple[str, str | None]:
    """Where a relation's rows go (`staging.x` -> `staging_rows.x`) and the view to put
    over them, if any."""
    schema, name = relation.split(".")
    if schema in AS_VIEWS:
        return f"{schema}_rows.{name}", relation
    return relation, None


def copy_to_postgres(warehouse: Path, server: PostgresServer, relations: Iterable[str]) -> None:
    """Each DuckDB table or view as a Postgres table of the same name and types (a view
    over one, for staging), its rows as CSV through COPY (an unquoted empty field is
    null, a quoted one the empty string)."""
    duck = duckdb.connect(str(warehouse), read_only=True)
    pg = server.connect()
    try:
        duck.execute("set TimeZone = 'UTC'")
        with pg.cursor() as cur:
            for relation in relations:
                table, view = _target(relation)
                columns = ", ".join(
                    f"{name} {_postgres_type(data_type)}"
                    for name, data_type in _columns(duck, relation)
                )
                for name in filter(None, (table, view)):
                    cur.execute(f"create schema if not exists {name.split('.')[0]}")
                cur.execute(f"create table {table} ({columns})")
                csv = Path(tempfile.mkdtemp(prefix="gxe-csv-")) / "rows.csv"
                try:
                    duck.execute(f"copy (select * from {relation}) to '{csv}' (header false)")
                    with csv.open() as rows:
                        cur.copy_expert(f"copy {table} from stdin with (format csv)", rows)
                finally:
                    shutil.rmtree(csv.parent)
                if view:
                    cur.execute(f"create view {view} as select * from {table}")
        pg.commit()
    finally:
        pg.close()
        duck.close()


def _postgres_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    return POSTGRES_TYPES[duckdb_type]


def spark_settings(base: Settings, spark_dir: Path) -> Settings:
    return replace(base, engine="spark", spark=SparkSettings(dir=spark_dir))


def open_spark(settings: Settings) -> Any:
    """A local SparkSession with the pipeline's conf on `settings.spark_dir`."""
    if shutil.which("java") is None:
        pytest.skip("java not found (package openjdk-17-jre-headless) for a local SparkSession")
    from pyspark.sql import SparkSession

    from foundation.engines.spark_conf import spark_conf

    builder = SparkSession.builder.appName("gxe-tests").enableHiveSupport()
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_spark(session: Any) -> None:
    """Stop the session and its JVM (releasing the Derby metastore), so that the next
    session in this process starts a JVM of its own."""
    from foundation.engines.spark_client import stop_jvm

    session.stop()
    stop_jvm()


def copy_to_spark(warehouse: Path, spark: Any, relations: Iterable[str], folder: Path) -> None:
    """Each DuckDB table or view as a Spark table over a Parquet file DuckDB writes in
    `folder` (timestamptz -> timestamp, timestamp -> timestamp_ntz; a view over one,
    for staging)."""
    duck = duckdb.connect(str(warehouse), read_only=True)
    try:
        duck.execute("set TimeZone = 'UTC'")
        for relation in relations:
            table, view = _target(relation)
            path = folder / relation / "part-0.parquet"
            path.parent.mkdir(parents=True)
            duck.execute(f"copy (select * from {relation}) to '{path}' (format parquet)")
            for name in filter(None, (table, view)):
                spark.sql(f"create database if not exists {name.split('.')[0]}")
            spark.sql(f"create table {table} using parquet location '{path.parent}'")
            if view:
                spark.sql(f"create view {view} as select * from {table}")
    finally:
        duck.close()
