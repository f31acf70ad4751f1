"""Where each layer validates, and GX's own datasource on each engine.

Where (`engine_of`):

- raw suites validate in the DuckDB warehouse file on every engine: the loader
  writes raw and `audit.load_files` there, the raw checks reconcile the two
  (`audit.load_files` is never shipped), and their SQL is DuckDB's (`describe`,
  `typeof`, `max_by`).
- staging and marts suites validate on `settings.engine`, on the tables dbt built
  there; a staging suite reads the engine's own copy of `raw.<entity>`, the one dbt
  read.

Results and the row-count history stay in DuckDB (`expectations.audit`).

One `Source` per engine, each with GX's native datasource for it and the same steps:

| engine | GX datasource | a suite's batch | SQL checks run |
|---|---|---|---|
| duckdb | `duckdb` (`duckdb_datasource.py`) | table asset | in DuckDB |
| postgres | GX's `postgres` | table asset | in Postgres |
| spark | GX's `spark` | dataframe asset: `spark.table(...)` | by `spark.sql` (1) |

(1) On the same session: `{batch}` is a temp view of the batch's DataFrame (GX's
Spark query metrics), every other `schema.table` the catalog's.

`relations()` lists the tables and views present, `open()` adds the datasource with
one whole-table asset per suite (named after the suite), `compute_views()` computes
views once where the engine can (DuckDB), `batch_parameters()` is what a batch needs
(Spark: its DataFrame), `rows()` returns a failed SQL check's first rows (its
sample), and `close()` releases what the source opened.

The Postgres password never enters the datasource's config: its connection string
names the GX config variable `POSTGRES_PASSWORD_VARIABLE`, which the ephemeral
context resolves from its runtime environment (`context_variables`) when it opens
the connection.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import sqlalchemy
from great_expectations.data_context import AbstractDataContext

from expectations.catalogue import SuiteInfo
from expectations.duckdb_datasource import (  # registers type `duckdb`
    DuckDBDatasource,
    duckdb_url,
)
from foundation.duck import connect
from foundation.engines import EngineError
from foundation.settings import Settings

DATASOURCE_NAME = "warehouse"  # the DuckDB datasource's; the others are named after the engine
BATCH_DEFINITION = "whole_table"
RAW_LAYER = "raw"
POSTGRES_PASSWORD_VARIABLE = "revops_postgres_password"
# (schema, view) -> the columns the checks name (None: every column)
Views = Mapping[tuple[str, str], Collection[str] | None]


def engine_of(layer: str, settings: Settings) -> str:
    """The engine a layer's suites validate on: raw in DuckDB, the others on the engine."""
    return "duckdb" if layer == RAW_LAYER else settings.engine


class Source(Protocol):
    """An engine as GX validates it (module docstring)."""

    engine: str
    datasource: Any  # the GX datasource, once open() has added it

    def relations(self) -> dict[str, str]:
        """`schema.table` -> `BASE TABLE` or `VIEW`, for every table and view present."""

    def open(self, context: AbstractDataContext, infos: Sequence[SuiteInfo]) -> Any:
        """The GX datasource with one whole-table asset per suite (tables that exist)."""

    def compute_views(self, views: Views) -> list[str]:
        """Compute each view once for this validation, if the engine can; the views done."""

    def batch_parameters(self, info: SuiteInfo) -> dict[str, Any] | None:
        """What a batch of the suite's asset needs."""

    def rows(self, query: str, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows of `query`, as dicts."""

    def close(self) -> None:
        """Release every connection, session or cache the source opened."""


def open_source(settings: Settings, engine: str) -> Source:
    if engine == "postgres":
        return PostgresSource(settings)
    if engine == "spark":
        return SparkSource(settings)
    return DuckDBSource(settings)


def context_variables(settings: Settings) -> dict[str, str]:
    """The GX config variables the engines' connection strings name (the Postgres
    password, URL-quoted), for the ephemeral context's runtime environment."""
    if settings.engine == "postgres" and settings.postgres.password:
        return {POSTGRES_PASSWORD_VARIABLE: quote(settings.postgres.password, safe="")}
    return {}


def table_assets(infos: Sequence[SuiteInfo]) -> list[dict[str, Any]]:
    """One whole-table asset per suite. The assets come with the datasource: GX saves
    its (in-memory) project config once, instead of once per asset and batch definition."""
    return [
        {
            "name": info.name,
            "type": "table",
            "table_name": info.table,
            "schema_name": info.schema,
            "batch_definitions": [{"name": BATCH_DEFINITION, "partitioner": None}],
        }
        for info in infos
    ]


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


class _SQLSource:
    """What a source on GX's SQL path does alike: a batch needs nothing, a sample is read
    on GX's own connection (`execute_query`), and closing closes GX's connections."""

    datasource: Any = None

    def batch_parameters(self, info: SuiteInfo) -> None:
        return None

    def rows(self, query: str, limit: int) -> list[dict[str, Any]]:
        engine = self.datasource.get_execution_engine()
        result = engine.execute_query(
            sqlalchemy.text(f"select * from ({query}) as unexpected limit {int(limit)}")
        )
        return [row._asdict() for row in result.fetchall()]

    def close(self) -> None:
        """Close GX's connections (so that the next writer can open the warehouse)."""
        if self.datasource is None:
            return
        engine = self.datasource.execution_engine
        if engine is not None:
            engine.close()
        with suppress(Exception):
            self.datasource.get_engine().dispose()


class DuckDBSource(_SQLSource):
    """The warehouse file, read-only, through the `duckdb` datasource type."""

    engine = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def relations(self) -> dict[str, str]:
        con = connect(self._settings.warehouse, self._settings, read_only=True)
        try:
            rows = con.execute(
                "select table_schema || '.' || table_name, table_type"
                " from information_schema.tables"
            ).fetchall()
        finally:
            con.close()
        return dict(rows)

    def open(self, context: AbstractDataContext, infos: Sequence[SuiteInfo]) -> DuckDBDatasource:
        """The `duckdb` datasource's connection test checks only that the tables exist;
        a table that cannot be read fails its own suite's expectations."""
        self.datasource = context.data_sources.add_duckdb(
            DuckDBDatasource(
                name=DATASOURCE_NAME,
                connection_string=duckdb_url(self._settings.warehouse),
                kwargs={
                    "connect_args": {
                        "read_only": True,
                        "config": self._settings.duckdb_config(),
                    }
                },
                assets=table_assets(infos),
            )
        )
        return self.datasource

    def compute_views(self, views: Views) -> list[str]:
        """Each view copied once into memory with the columns named (see
        `DuckDBExecutionEngine.materialize_views`)."""
        assert self.datasource is not None, "open() first"
        return self.datasource.get_execution_engine().materialize_views(views, columns=views)


class PostgresSource(_SQLSource):
    """A Postgres database (`settings.postgres`) through GX's `postgres` datasource."""

    engine = "postgres"

    def __init__(self, settings: Settings) -> None:
        self._pg = settings.postgres
        self.where = f"postgres at {self._pg.where}"

    def _connection_string(self, password: str) -> str:
        """The SQLAlchemy URL with `password` in its place (already URL-quoted)."""
        user = quote(self._pg.user, safe="")
        secret = f":{password}" if password else ""
        database = quote(self._pg.database, safe="")
        return f"postgresql+psycopg2://{user}{secret}@{self._pg.host}:{self._pg.port}/{database}"

    def relations(self) -> dict[str, str]:
        url = sqlalchemy.engine.URL.create(
            "postgresql+psycopg2",
            username=self._pg.user,
            password=self._pg.password or None,
            host=self._pg.host,
            port=self._pg.port,
            database=self._pg.database,
        )
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as con:
                rows = con.exec_driver_sql(
                    "select table_schema || '.' || table_name, table_type"
                    " from information_schema.tables"
                    " where table_schema not in ('pg_catalog', 'information_schema')"
                ).fetchall()
        except sqlalchemy.exc.DBAPIError as error:
            raise EngineError(f"{self.where}: {_one_line(error.orig)}") from None
        finally:
            engine.dispose()
        return dict(rows)

    def open(self, context: AbstractDataContext, infos: Sequence[SuiteInfo]) -> Any:
        password = "${" + POSTGRES_PASSWORD_VARIABLE + "}" if self._pg.password else ""
        self.datasource = context.data_sources.add_postgres(
            name=self.engine,
            connection_string=self._connection_string(password),
            assets=table_assets(infos),
        )
        return self.datasource

    def compute_views(self, views: Views) -> list[str]:
        return []  # no copies: Postgres computes a view inside each query that reads it


def _local_path(uri: str) -> Path:
    """`file:/a/b` or `/a/b` -> Path('/a/b')."""
    return Path(uri.removeprefix("file:")).resolve()


def spark_session(settings: Settings) -> tuple[Any, bool]:
    """The SparkSession open in this process (the pipeline's, or dbt's), else a new local
    one with the pipeline's conf (`foundation.engines.spark_conf`); and whether it is
    ours to stop. A session on another warehouse dir is refused: its catalog is not
    the one dbt built."""
    from pyspark.sql import SparkSession

    from foundation.engines.spark_conf import spark_conf

    conf = spark_conf(settings)
    wanted = _local_path(conf["spark.sql.warehouse.dir"])
    active = SparkSession.getActiveSession()
    if active is not None:
        held = _local_path(active.conf.get("spark.sql.warehouse.dir"))
        if held != wanted:
            raise EngineError(
                f"spark: the session open in this process has warehouse dir {held}, not {wanted}"
            )
        return active, False
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("revops-gx").enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session, True


class SparkSource:
    """The Spark catalog of `settings.spark_dir` through GX's `spark` datasource: one
    dataframe asset per suite, its batch `spark.table("schema.table")`.

    GX runs a SQL check with `spark.sql` on the same session, `{batch}` being a temp
    view of the batch's DataFrame and every other `schema.table` the catalog's.
    Either Spark method validates through a local session on the same folder (GX's
    Spark datasource needs a SparkSession, not a Thrift connection).
    """

    engine = "spark"

    def __init__(self, settings: Settings) -> None:
        try:
            self.spark, self._owned = spark_session(settings)
        except EngineError:
            raise
        except Exception as error:  # the JVM or the metastore did not start
            raise EngineError(f"{settings.engine_where}: {_one_line(error)}") from None
        self.datasource: Any = None
        self._frames: list[Any] = []

    def relations(self) -> dict[str, str]:
        """`SHOW TABLES` (which lists views too) then `SHOW VIEWS` per database: names
        only (the catalog API's `listTables` reads every table's metadata, seconds on a
        Hive metastore)."""
        found: dict[str, str] = {}
        for (database,) in self.spark.sql("show databases").collect():
            for kind, command in (("BASE TABLE", "tables"), ("VIEW", "views")):
                for row in self.spark.sql(f"show {command} in {database}").collect():
                    if not row.isTemporary:
                        found[f"{database}.{row[1]}"] = kind
        return found

    def open(self, context: AbstractDataContext, infos: Sequence[SuiteInfo]) -> Any:
        assets = [
            {
                "name": info.name,
                "type": "dataframe",
                "batch_definitions": [{"name": BATCH_DEFINITION, "partitioner": None}],
            }
            for info in infos
        ]
        self.datasource = context.data_sources.add_spark(name=self.engine, assets=assets)
        if self.datasource.get_spark() is not self.spark:  # GX's getOrCreate found another
            raise EngineError("spark: GX's Spark datasource did not take this process's session")
        return self.datasource

    def compute_views(self, views: Views) -> list[str]:
        return []

    def batch_parameters(self, info: SuiteInfo) -> dict[str, Any]:
        frame = self.spark.table(info.relation)
        self._frames.append(frame)  # GX persists a batch's DataFrame: unpersisted at close
        return {"dataframe": frame}

    def rows(self, query: str, limit: int) -> list[dict[str, Any]]:
        found = self.spark.sql(f"select * from ({query}) as unexpected limit {int(limit)}")
        return [row.asDict(recursive=True) for row in found.collect()]

    def close(self) -> None:
        for frame in self._frames:
            with suppress(Exception):
                frame.unpersist()
        self._frames.clear()
        if self._owned:
            from foundation.engines.spark_client import stop_jvm

            self.spark.stop()
            stop_jvm()  # releases the Derby metastore for the dbt step that follows
