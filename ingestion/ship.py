"""Shipping the raw layer from the DuckDB warehouse to the engine dbt builds on.

Loading, quarantine and load accounting stay in the DuckDB warehouse on every
engine (ingestion.loader). On Postgres or Spark, dbt's sources must be there
too: `ship_raw` sends every batch of `raw.<entity>` rows that the engine does
not have yet to `raw.<entity>` on the engine, with the same columns and types
(drift columns included), and creates the raw tables of entities that never
landed (empty), since dbt's sources read all of them. Nothing else is shipped:
the dbt sources (models/staging/_sources.yml) are the raw tables only, and the
seeds are loaded by dbt itself.

A batch is the loader's `_batch_id` (the Dagster run id in the pipeline).
Postgres gets it through COPY, in one transaction with the deletion of any
earlier copy of the batch; Spark as one Parquet file per batch, registered as
a partition of a table partitioned by `_batch_id` (foundation.engines).

Idempotence: each shipped batch is recorded in `audit.shipped_batches` of the
DuckDB warehouse (engine and where it is, entity, batch, rows), AFTER the
engine has it, and a batch is shipped when it is not recorded for this engine
with its current row count. Shipping a batch replaces whatever copy of it the
engine holds (`EngineClient.replace_batch`). So a crash:

- before or while the batch is written: the engine keeps its old state
  (Postgres rolls the transaction back; Spark's file is renamed into place
  only when whole); the batch is unrecorded and shipped next time: no loss;
- after the engine has it but before it is recorded: it is shipped again next
  time, replacing the copy: no duplicate.

An engine whose raw table is missing (a new database, a wiped metastore) gets
every batch of that entity again, whatever the record says.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from foundation.contract import ENTITIES, ENTITY_BY_NAME
from foundation.duck import connect, quote_ident, quote_literal
from foundation.engines import EngineClient, EngineError, open_engine
from foundation.settings import Settings
from ingestion.audit import ensure_tables

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
BATCH_COLUMN = "_batch_id"
ROWS_PER_CHUNK = 100_000

SHIPPED_DDL = """
create table if not exists audit.shipped_batches (
    engine varchar not null,
    engine_where varchar not null,
    entity varchar not null,
    batch_id varchar not null,
    rows_shipped bigint not null,
    shipped_at timestamptz not null
)
"""


class ShipError(RuntimeError):
    """Shipping stopped (the engine refused or could not be reached); one line."""


@dataclass
class EntityShipResult:
    entity: str
    table_created: bool = False
    batches: list[str] = field(default_factory=list)
    rows: int = 0


@dataclass
class ShipResult:
    engine_where: str
    entities: list[EntityShipResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def batches(self) -> int:
        return sum(len(entity.batches) for entity in self.entities)

    @property
    def rows(self) -> int:
        return sum(entity.rows for entity in self.entities)

    def summary(self) -> str:
        return (
            f"shipped {self.rows} raw rows in {self.batches} batch(es) to {self.engine_where} "
            f"in {self.seconds:.1f}s"
        )

    def as_metadata(self) -> dict[str, int | str | float]:
        return {
            "engine": self.engine_where,
            "batches_shipped": self.batches,
            "rows_shipped": self.rows,
            "ship_seconds": round(self.seconds, 3),
            **{f"rows_shipped.{e.entity}": e.rows for e in self.entities if e.rows},
        }


def ship_raw(
    settings: Settings,
    entities: Iterable[str] | None = None,
    *,
    client: EngineClient | None = None,
) -> ShipResult:
    """Send every raw batch the engine lacks to `raw.<entity>` on `settings`' engine.

    `client` is an open client of that engine (one is opened and closed otherwise).
    Nothing to do on the DuckDB engine: its raw tables are dbt's sources already.
    """
    result = ShipResult(settings.engine_where)
    if settings.engine == "duckdb":
        return result
    started = time.perf_counter()
    chosen = [ENTITY_BY_NAME[name] for name in entities] if entities else list(ENTITIES)
    con = connect(settings.warehouse, settings)
    try:
        con.execute("set TimeZone = 'UTC'")
        ensure_tables(con, chosen)
        con.execute(SHIPPED_DDL)
        if client is not None:
            _ship_all(con, client, settings, [e.name for e in chosen], result)
        else:
            with open_engine(settings) as opened:
                _ship_all(con, opened, settings, [e.name for e in chosen], result)
    except EngineError as error:
        raise ShipError(f"shipping raw to {error}") from None
    finally:
        con.close()
    result.seconds = time.perf_counter() - started
    log.info(result.summary())
    return result


def _ship_all(
    con: duckdb.DuckDBPyConnection,
    client: EngineClient,
    settings: Settings,
    entities: list[str],
    result: ShipResult,
) -> None:
    for entity in entities:
        result.entities.append(_ship_entity(con, client, settings, entity))


def _ship_entity(
    con: duckdb.DuckDBPyConnection, client: EngineClient, settings: Settings, entity: str
) -> EntityShipResult:
    shipped = EntityShipResult(entity)
    source = quote_ident(RAW_SCHEMA, entity)
    columns: pa.Schema = con.sql(f"select * from {source} limit 0").to_arrow_table().schema
    shipped.table_created = client.ensure_table(
        RAW_SCHEMA, entity, columns, batch_column=BATCH_COLUMN
    )
    for batch_id, rows in _pending_batches(con, settings, entity, shipped.table_created):
        reader = con.sql(
            f"select * from {source} where {quote_ident(BATCH_COLUMN)} = "
            f"{quote_literal(batch_id)} order by _file_name, _row_number"
        ).to_arrow_reader(ROWS_PER_CHUNK)
        written = client.replace_batch(RAW_SCHEMA, entity, BATCH_COLUMN, batch_id, reader)
        if written != rows:
            raise ShipError(
                f"shipping raw.{entity} batch {batch_id} to {settings.engine_where}: "
                f"{written} rows written, {rows} in the warehouse"
            )
        _record_shipped(con, settings, entity, batch_id, rows)
        shipped.batches.append(batch_id)
        shipped.rows += rows
    if shipped.batches:
        client.refresh_statistics(RAW_SCHEMA, entity)
    return shipped


def _pending_batches(
    con: duckdb.DuckDBPyConnection, settings: Settings, entity: str, table_created: bool
) -> list[tuple[str, int]]:
    """(batch, rows) of the entity's raw batches that this engine lacks, in batch order:
    not recorded as shipped there with their current row count (all, for a new table)."""
    batches = con.execute(
        f"select {quote_ident(BATCH_COLUMN)}, count(*) from {quote_ident(RAW_SCHEMA, entity)} "
        "group by all order by min(_loaded_at), 1"
    ).fetchall()
    if table_created:
        return batches
    recorded = dict(
        con.execute(
            "select batch_id, rows_shipped from audit.shipped_batches "
            "where engine_where = ? and entity = ?",
            [settings.engine_where, entity],
        ).fetchall()
    )
    return [(batch, rows) for batch, rows in batches if recorded.get(batch) != rows]


def _record_shipped(
    con: duckdb.DuckDBPyConnection, settings: Settings, entity: str, batch_id: str, rows: int
) -> None:
    """The engine has this batch (recorded after the engine committed it)."""
    con.begin()
    try:
        con.execute(
            "delete from audit.shipped_batches "
            "where engine_where = ? and entity = ? and batch_id = ?",
            [settings.engine_where, entity, batch_id],
        )
        con.execute(
            "insert into audit.shipped_batches values (?, ?, ?, ?, ?, ?)",
            [settings.engine, settings.engine_where, entity, batch_id, rows, datetime.now(UTC)],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
