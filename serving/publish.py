"""Publishing the marts for BI readers.

DuckDB lets one process write a file or several read it, so BI tools never
read the warehouse itself. After the checks pass, the marts are copied into a
new *version*: a folder `.published/v<time>-<id>/` beside the warehouse holding
`serving.duckdb` and `parquet/<mart>.parquet`, written read-only (mode 0444)
and fsynced. One atomic rename then swaps the link `.published/current` to
the new folder; the paths readers use are fixed links through it:

    serving.duckdb -> .published/current/serving.duckdb
    parquet        -> .published/current/parquet

So at every instant (a run killed at any point included) the serving
database and every Parquet file belong to one complete version: the previous
one until the rename, the new one after it. A reader that has the old serving
file open keeps reading that version and sees the new one when it reopens. The
previous version's folder is kept until the next publish, so a reader that
resolved `parquet` (or `.published/current`) once and is still reading its
files finishes on them; older versions and whatever a killed run left half
written are removed after each swap.

Each version says what it is: `serving.duckdb` holds `publication.marts` (one
row per mart: its row count, the version and the run id), and every Parquet
file carries `revops_version` and `revops_run_id` in its key-value metadata.

A failure while writing (a full disk included: `PublishError` then names the file
and the space left) removes the half-written version and leaves the previous one whole.

On the Postgres and Spark engines the marts live there: each is read through
the engine's client as Arrow (`fetch_arrow`, with the engine-independent types
of foundation.engines) into the new serving database, and the Parquet files
are written from it, so the serving files have the same columns, types and
values as the DuckDB engine publishes for the same marts. The check results
that decide whether to publish stay in the DuckDB warehouse on every engine.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from foundation.checks import is_blocking
from foundation.disk import disk_full_message
from foundation.duck import connect, quote_ident, quote_literal
from foundation.engines import EngineClient, EngineError, open_engine
from foundation.settings import Settings

# DuckDB 1.x clients (inside many BI drivers) cannot open files written in the
# 2.x format; the serving file is written in a format DuckDB 1.4+ reads.
SERVING_STORAGE_VERSION = "v1.4.0"
MARTS_SCHEMA = "marts"
PUBLICATION_TABLE = "publication.marts"
CURRENT = "current"
LINK_PREFIX = ".link-"  # a link made to be renamed over a public path
VERSION_PREFIX = "v"
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0444
PARQUET_VERSION_KEY = "revops_version"
PARQUET_RUN_KEY = "revops_run_id"


class PublishError(RuntimeError):
    """Publishing was refused or failed; the previous version stays in place."""


@dataclass
class PublishResult:
    serving: Path
    parquet_dir: Path
    version: str = ""
    tables: dict[str, int] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, object]:
        return {
            "serving": str(self.serving),
            "parquet_dir": str(self.parquet_dir),
            "version": self.version,
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


def published_dir(settings: Settings) -> Path:
    """The folder holding the published versions and the `current` link."""
    return settings.warehouse_dir / ".published"


def publish(settings: Settings, *, run_id: str = "") -> PublishResult:
    """Copy every table of `marts` into a new version (serving.duckdb and Parquet, read-only)
    and make it the current one with one atomic rename."""
    if run_id and (failures := blocking_failures(settings, run_id)):
        raise PublishError(
            f"not publishing: {len(failures)} blocking check(s) failed: " + "; ".join(failures[:5])
        )
    versions = published_dir(settings)
    versions.mkdir(parents=True, exist_ok=True)
    version = f"{VERSION_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    folder = versions / version
    try:
        tables = _write_version(settings, folder, version, run_id)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if (message := disk_full_message(exc, folder)) is not None:
            raise PublishError(f"not published, the previous version stays: {message}") from None
        raise
    previous = _swap_current(versions, version)
    _link_public_paths(settings, versions)
    _remove_stale_versions(versions, keep={version, previous})
    return PublishResult(settings.serving, settings.parquet_dir, version, tables)


def _write_version(settings: Settings, folder: Path, version: str, run_id: str) -> dict[str, int]:
    """serving.duckdb and parquet/<mart>.parquet of `version` in `folder`, read-only and
    fsynced; each mart's row count."""
    parquet_dir = folder / "parquet"
    parquet_dir.mkdir(parents=True)
    serving = folder / settings.serving.name
    counts: dict[str, int] = {}
    kv = (
        f"kv_metadata {{{PARQUET_VERSION_KEY}: {quote_literal(version)}, "
        f"{PARQUET_RUN_KEY}: {quote_literal(run_id)}}}"
    )
    with connect(":memory:", settings) as con, _marts(con, settings) as marts:
        tables = marts.tables()
        if not tables:
            raise PublishError(f"nothing to publish: schema {MARTS_SCHEMA} has no tables")
        con.execute(
            f"attach {quote_literal(str(serving))} as serving "
            f"(storage_version {quote_literal(SERVING_STORAGE_VERSION)})"
        )
        con.execute(f"create schema serving.{MARTS_SCHEMA}")
        for table in tables:
            source = marts.source(table)
            target = quote_ident("serving", MARTS_SCHEMA, table)
            con.execute(f"create table {target} as select * from {source}")
            counts[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
            # The Parquet file from the serving copy: one writer for every engine
            # (DuckDB marks a column without nulls as required, from the table's stats).
            path = parquet_dir / f"{table}.parquet"
            con.execute(
                f"copy {target} to {quote_literal(str(path))} "
                f"(format parquet, compression zstd, {kv})"
            )
            marts.done(table)
        con.execute("create schema serving.publication")
        con.execute(
            "create table serving.publication.marts (table_name varchar not null, "
            "row_count bigint not null, version varchar not null, run_id varchar not null, "
            "published_at timestamptz not null)"
        )
        con.executemany(
            "insert into serving.publication.marts values (?, ?, ?, ?, current_timestamp)",
            [[table, rows, version, run_id] for table, rows in counts.items()],
        )
        con.execute("detach serving")
    for path in [serving, *parquet_dir.iterdir()]:
        path.chmod(READ_ONLY)
        _fsync(path)
    _fsync(parquet_dir)
    _fsync(folder)
    return counts


def _swap_current(versions: Path, version: str) -> str:
    """Point `versions/current` at `version` with one rename; the version it pointed at."""
    current = versions / CURRENT
    previous = os.readlink(current) if current.is_symlink() else ""
    _replace_with_link(current, version, versions)
    _fsync(versions)
    return previous


def _link_public_paths(settings: Settings, versions: Path) -> None:
    """serving.duckdb and parquet/ as links through `.published/current`, made once (a
    warehouse published before versions existed has them as a file and a folder). Their
    temporary links are made beside them, so that `.published` may be another filesystem;
    one a killed publish left is removed here."""
    for stale in settings.warehouse_dir.glob(f"{LINK_PREFIX}*"):
        if stale.is_symlink():
            stale.unlink()
    through = Path(versions.name) / CURRENT
    for path, target in (
        (settings.serving, through / settings.serving.name),
        (settings.parquet_dir, through / "parquet"),
    ):
        if not (path.is_symlink() and Path(os.readlink(path)) == target):
            _replace_with_link(path, str(target), versions)
    _fsync(settings.warehouse_dir)


def _replace_with_link(path: Path, target: str, versions: Path) -> None:
    """Make `path` a symbolic link to `target` by renaming a new link, made in the same
    folder, over it: atomic over a link or a file. A real folder in the way is first moved
    aside into `versions` (and removed with the stale versions)."""
    tmp = path.parent / f"{LINK_PREFIX}{path.name}-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():
        path.rename(versions / f".old-{path.name}-{uuid.uuid4().hex[:8]}")
    os.replace(tmp, path)


def _remove_stale_versions(versions: Path, keep: set[str]) -> None:
    """Remove every entry of `versions` but `current` and the kept versions: older versions,
    folders moved aside, and whatever a killed publish left half written."""
    for entry in versions.iterdir():
        if entry.name == CURRENT or entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Flush a file's or a folder's entry to disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def current_version(settings: Settings) -> str:
    """The name of the published version readers see now ("" before the first publish)."""
    current = published_dir(settings) / CURRENT
    return os.readlink(current) if current.is_symlink() else ""


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
