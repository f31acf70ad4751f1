"""The loader's tables (`raw.<entity>`, `audit.load_files`, `audit.quarantine`); reconciliation."""

from __future__ import annotations

import duckdb

from foundation.contract import FILE_LOADED, LINEAGE_COLUMNS, Entity
from foundation.duck import connect, quote_ident
from foundation.settings import Settings

LOAD_FILES_DDL = """
create table if not exists audit.load_files (
    entity varchar not null,
    file_name varchar not null,
    content_hash varchar not null,
    file_format varchar,
    file_size bigint,
    rows_in_file bigint,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    drift_columns varchar,
    status varchar not null,
    message varchar,
    batch_id varchar not null,
    loaded_at timestamptz not null,
    duration_seconds double
)
"""

QUARANTINE_DDL = """
create table if not exists audit.quarantine (
    entity varchar not null,
    file_name varchar not null,
    row_number bigint not null,
    reason_code varchar not null,
    column_name varchar,
    reason varchar not null,
    record varchar not null,
    batch_id varchar not null,
    quarantined_at timestamptz not null
)
"""


def raw_table(entity: Entity) -> str:
    return f"raw.{quote_ident(entity.name)}"


def ensure_tables(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    """Create the schemas, the audit tables and `raw.<entity>` for each entity if missing."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    con.execute(LOAD_FILES_DDL)
    con.execute(QUARANTINE_DDL)
    for entity in entities:
        cols = [f"{quote_ident(c.name)} {c.duckdb_type}" for c in entity.columns]
        cols += [f"{quote_ident(n)} {t}" for n, t in LINEAGE_COLUMNS.items()]
        con.execute(f"create table if not exists {raw_table(entity)} ({', '.join(cols)})")


def raw_columns(con: duckdb.DuckDBPyConnection, entity: Entity) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [entity.name],
    ).fetchall()
    return [r[0] for r in rows]


def reconcile_connection(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Problems with the counts; empty when every loaded file reconciles.

    For every loaded file: rows_in_file = rows_loaded + rows_quarantined, and
    the rows really present in `raw.<entity>` and `audit.quarantine` for that
    file and batch equal the recorded counts.
    """
    problems: list[str] = []
    files = con.execute(
        "select entity, file_name, batch_id, rows_in_file, rows_loaded, rows_quarantined "
        "from audit.load_files where status = ? order by entity, file_name",
        [FILE_LOADED],
    ).fetchall()
    if not files:
        return problems
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    raw_counts: dict[tuple[str, str, str], int] = {}
    for name in sorted({f[0] for f in files}):
        if name not in tables:
            continue
        for file_name, batch_id, n in con.execute(
            f"select _file_name, _batch_id, count(*) from raw.{quote_ident(name)} group by all"
        ).fetchall():
            raw_counts[(name, file_name, batch_id)] = n
    quarantine_counts = {
        (e, f, b): n
        for e, f, b, n in con.execute(
            "select entity, file_name, batch_id, count(*) from audit.quarantine group by all"
        ).fetchall()
    }
    for entity, file_name, batch_id, in_file, loaded, quarantined in files:
        where = f"{entity} file {file_name} (batch {batch_id})"
        if in_file is None or in_file != loaded + quarantined:
            problems.append(
                f"{where}: rows_in_file {in_file} != rows_loaded {loaded} "
                f"+ rows_quarantined {quarantined}"
            )
        in_raw = raw_counts.get((entity, file_name, batch_id), 0)
        if in_raw != loaded:
            problems.append(f"{where}: raw.{entity} holds {in_raw} rows, load_files says {loaded}")
        in_q = quarantine_counts.get((entity, file_name, batch_id), 0)
        if in_q != quarantined:
            problems.append(
                f"{where}: audit.quarantine holds {in_q} rows, load_files says {quarantined}"
            )
    return problems


def reconcile(settings: Settings | duckdb.DuckDBPyConnection) -> list[str]:
    """The reconciliation problems of the settings' warehouse or of an open connection
    (empty = all good)."""
    if isinstance(settings, duckdb.DuckDBPyConnection):
        return _reconcile_open(settings)
    warehouse = settings.warehouse
    if not warehouse.exists():
        return [f"warehouse {warehouse} does not exist"]
    try:
        con = connect(warehouse, settings, read_only=True)
    except duckdb.ConnectionException:
        # This process already holds the file read-write: share that configuration.
        con = connect(warehouse, settings)
    try:
        return _reconcile_open(con)
    finally:
        con.close()


def _reconcile_open(con: duckdb.DuckDBPyConnection) -> list[str]:
    has_audit = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'load_files'"
    ).fetchone()[0]
    if not has_audit:
        return []
    return reconcile_connection(con)
