"""Publishing the marts for BI readers.

DuckDB lets one process write a file or several read it, so BI tools never
read the warehouse itself. After the checks pass, the marts are copied into a
new serving database and Parquet files, each written under a temporary name
and swapped in with an atomic rename: a reader that has the old serving file
open keeps reading that version and sees the new one when it reopens.

On the Postgres and Spark engines the marts live there: each is read through
the engine's client as Arrow (`fetch_arrow`, with the engine-independent types
of foundation.engines) into the new serving database, and the Parquet files
are written from it, so the serving files have the same columns, types and
values as the DuckDB engine publishes for the same marts. The check results
that decide whether to publish stay in the DuckDB warehouse on every engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from foundation.checks import is_blocking
from foundation.duck import connect, quote_ident, quote_literal
from foundation.engines import EngineClient, EngineError, open_engine
from foundation.settings import Settings

# DuckDB 1.x clients (inside many BI drivers) cannot open files written in the
# 2.x format; the serving file is written in a format DuckDB 1.4+ reads.
SERVING_STORAGE_VERSION = "v1.4.0"
MARTS_SCHEMA = "marts"


class PublishError(RuntimeError):
    """Publishing was refused or failed; the previous version stays in place."""


@dataclass
class PublishResult:
    serving: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, object]:
        return {
            "serving": str(self.serving),
            "parquet_dir": str(self.parquet_dir),
            "tables": len(self.tables),
            **{f"rows.{name}": rows for name, rows in self.tables.items()},
        }


def blocking_failures(settings: Settings, run_id: str) -> list[str]:
    """The check results of this run that block publishing (none: safe to publish)."""
    with connect(settings.warehouse, settings, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'validation_results'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "select table_name, expectation, severity, success from audit.validation_results "
            "where run_id = ? order by table_name, expectation",
            [run_id],
        ).fetchall()
    return [
        f"{table}: {expectation}"
        for table, expectation, severity, success in rows
        if is_blocking(severity, success)
    ]


def publish(settings: Settings, *, run_id: str = "") -> PublishResult:
    """Copy every table of `marts` into serving.duckdb and Parquet, atomically."""
    if run_id and (failures := blocking_failures(settings, run_id)):
        raise PublishError(
            f"not publishing: {len(failures)} blocking check(s) failed: " + "; ".join(failures[:5])
        )
    serving = settings.serving
    parquet_dir = settings.parquet_dir
    parquet_dir.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp-{os.getpid()}"
    tmp_serving = serving.with_name(serving.name + suffix)
    tmp_serving.unlink(missing_ok=True)
    result = PublishResult(serving=serving, parquet_dir=parquet_dir)
    written: list[tuple[Path, Path]] = []
    try:
        with connect(":memory:", settings) as con, _marts(con, settings) as marts:
            tables = marts.tables()
            if not tables:
                raise PublishError(f"nothing to publish: schema {MARTS_SCHEMA} has no tables")
            con.execute(
                f"attach {quote_literal(str(tmp_serving))} as serving "
                f"(storage_version {quote_literal(SERVING_STORAGE_VERSION)})"
            )
            con.execute(f"create schema serving.{MARTS_SCHEMA}")
            for table in tables:
                source = marts.source(table)
                target = quote_ident("serving", MARTS_SCHEMA, table)
                con.execute(f"create table {target} as select * from {source}")
                result.tables[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
                # The Parquet file from the serving copy: one writer for every engine
                # (DuckDB marks a column without nulls as required, from the table's stats).
                final = parquet_dir / f"{table}.parquet"
                tmp = final.with_name(final.name + suffix)
                con.execute(
                    f"copy {target} to {quote_literal(str(tmp))} (format parquet, compression zstd)"
                )
                written.append((tmp, final))
                marts.done(table)
            con.execute("detach serving")
        os.replace(tmp_serving, serving)
        for tmp, final in written:
            os.replace(tmp, final)
    except BaseException:
        tmp_serving.unlink(missing_ok=True)
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise
    return result


class _WarehouseMarts:
    """The marts of the DuckDB engine: the warehouse file, attached read-only."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def tables(self) -> list[str]:
        return [
            row[0]
            for row in self._con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'warehouse' and table_schema = ? "
                "and table_type = 'BASE TABLE' order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]

    def source(self, table: str) -> str:
        return quote_ident("warehouse", MARTS_SCHEMA, table)

    def done(self, table: str) -> None:
        pass


class _EngineMarts:
    """The marts of a Postgres or Spark engine, each read as Arrow and shown to DuckDB
    under one name while it is copied."""

    VIEW = "_revops_mart"

    def __init__(self, con: duckdb.DuckDBPyConnection, engine: EngineClient) -> None:
        self._con = con
        self._engine = engine

    def tables(self) -> list[str]:
        return self._engine.tables(MARTS_SCHEMA)

    def source(self, table: str) -> str:
        query = f"select * from {self._engine.quote(MARTS_SCHEMA, table)}"
        self._con.register(self.VIEW, self._engine.fetch_arrow(query))
        return self.VIEW

    def done(self, table: str) -> None:
        self._con.unregister(self.VIEW)


@contextmanager
def _marts(
    con: duckdb.DuckDBPyConnection, settings: Settings
) -> Iterator[_WarehouseMarts | _EngineMarts]:
    """Where `settings`' marts are read from, open for the copy; an engine's error is a
    PublishError (the previous version stays in place)."""
    if settings.engine == "duckdb":
        con.execute(f"attach {quote_literal(str(settings.warehouse))} as warehouse (read_only)")
        try:
            yield _WarehouseMarts(con)
        finally:
            con.execute("detach warehouse")
        return
    try:
        with open_engine(settings) as engine:
            yield _EngineMarts(con, engine)
    except EngineError as error:
        raise PublishError(f"not publishing: cannot read the marts: {error}") from None
