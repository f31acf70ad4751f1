"""Throwaway engines for the GX engine tests: a Postgres cluster in a temp folder, a local
SparkSession on a temp Spark folder, and a DuckDB warehouse's tables copied into both.

The engine work brings shared session fixtures for the same servers in tests/engines/;
these keep their shape (`start_postgres()` -> a server with `.settings(base)` and
`.stop()`; a Spark folder given to `Settings.spark`) so that one can replace the other.
A missing binary is a skip naming the package that brings it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest

from foundation.engines.local_postgres import PostgresServer as LocalPostgres
from foundation.engines.local_postgres import Unavailable
from foundation.engines.local_postgres import start_postgres as start_local_postgres
from foundation.settings import PostgresSettings, Settings

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


@dataclass
class PostgresServer:
    """A cluster of foundation.engines.local_postgres (trust auth, loopback only), with
    settings that carry a password and SQL run straight on it."""

    local: LocalPostgres

    def settings(self, base: Settings, password: str = "") -> Settings:
        """`base` on this server (trust auth: a password is sent and not checked)."""
        return replace(base, engine="postgres", postgres=replace(self.postgres, password=password))

    @property
    def postgres(self) -> PostgresSettings:
        return self.local.postgres

    def connect(self) -> Any:
        pg = self.local.postgres
        return psycopg2.connect(host=pg.host, port=pg.port, user=pg.user, dbname=pg.database)

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
        self.local.stop()


def start_postgres(database: str = "revops") -> PostgresServer:
    """A new cluster with `database`; a skip naming the package when Postgres is missing."""
    try:
        return PostgresServer(start_local_postgres(database))
    except Unavailable as missing:
        pytest.skip(str(missing))


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    schema, table = relation.split(".")
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


# The relations the suites read that dbt builds as views on every engine (staging models
# are tables): the copies are views over tables of `<schema>_rows`, so that GX meets views
# there too.
AS_VIEWS = ("intermediate.int_fx_rates_ranged",)


def _target(relation: str) -> tuple[str, str | None]:
    """Where a relation's rows go (`intermediate.x` -> `intermediate_rows.x`) and the view to put
    over them, if any."""
    schema, name = relation.split(".")
    if relation in AS_VIEWS:
        return f"{schema}_rows.{name}", relation
    return relation, None


def copy_to_postgres(warehouse: Path, server: PostgresServer, relations: Iterable[str]) -> None:
    """Each DuckDB table or view as a Postgres table of the same name and types (a view
    over one, for AS_VIEWS), its rows as CSV through COPY (an unquoted empty field is
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


def open_spark(settings: Settings) -> Any:
    """A local SparkSession with the pipeline's conf on `settings.spark_dir` (the one GX's
    Spark datasource opens)."""
    if shutil.which("java") is None:
        pytest.skip("java not found (package openjdk-17-jre-headless) for a local SparkSession")
    from expectations.datasources import spark_session

    return spark_session(settings)[0]


def stop_spark(session: Any) -> None:
    """Stop the session and its JVM (releasing the Derby metastore), so that the next
    session in this process starts a JVM of its own."""
    from foundation.engines.spark_client import stop_jvm

    session.stop()
    stop_jvm()


def copy_to_spark(warehouse: Path, spark: Any, relations: Iterable[str], folder: Path) -> None:
    """Each DuckDB table or view as a Spark table over a Parquet file DuckDB writes in
    `folder` (timestamptz -> timestamp, timestamp -> timestamp_ntz; a view over one,
    for AS_VIEWS)."""
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
