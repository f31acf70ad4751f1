"""The engines the dbt project runs on, and one small client for each.

The warehouse's landing work (loading, quarantine, load accounting) always
happens in the embedded DuckDB file; the engine is where dbt builds staging to
marts: the DuckDB file itself (the default), a Postgres database or a Spark
session / Thrift server. Code outside dbt that reads or writes the engine
(shipping raw batches, the churn model, GX, publishing) goes through an
`EngineClient`, so it is written once for all three.

Data cross the boundary as Arrow, with the same types on every engine
(`sql_type`): decimal128(p, s) is numeric(p, s) / decimal(p, s); date32 a date;
timestamp[us, tz=UTC] a timestamptz (Spark: timestamp) and timestamp[us] a
timestamp (Spark: timestamp_ntz); bool, int16/32/64, float32/64 and string their
engine's equivalents. A type outside that list is refused with an EngineError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import pyarrow as pa

from foundation.settings import ENGINES, Settings

__all__ = [
    "ENGINES",
    "EngineClient",
    "EngineError",
    "engine_error",
    "open_engine",
    "record_batches",
    "sql_type",
]


class EngineError(RuntimeError):
    """The engine refused a statement or could not be reached (one line, engine named)."""


def engine_error(where: str, error: BaseException | str) -> EngineError:
    """An EngineError of `where` (the engine and where it is) with the first line of
    `error`'s message: engines' messages run over many lines, with stack traces."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    reason = lines[0][:500] if lines else type(error).__name__
    return EngineError(f"{where}: {reason}")


# The column type of each Arrow type that crosses the boundary, per engine.
_SQL_TYPES: dict[pa.DataType, tuple[str, str]] = {  # (postgres, spark)
    pa.bool_(): ("boolean", "boolean"),
    pa.int16(): ("smallint", "smallint"),
    pa.int32(): ("integer", "int"),
    pa.int64(): ("bigint", "bigint"),
    pa.float32(): ("real", "float"),
    pa.float64(): ("double precision", "double"),
    pa.date32(): ("date", "date"),
    pa.string(): ("text", "string"),
    pa.large_string(): ("text", "string"),
    pa.null(): ("text", "string"),
}


def sql_type(engine: str, arrow: pa.DataType, column: str) -> str:
    """The column type on `engine` (postgres or spark) that holds `arrow` values exactly."""
    spark = engine == "spark"
    if pa.types.is_decimal(arrow):
        return (
            f"decimal({arrow.precision},{arrow.scale})"
            if spark
            else (f"numeric({arrow.precision}, {arrow.scale})")
        )
    if pa.types.is_timestamp(arrow):
        names = ("timestamptz", "timestamp") if arrow.tz else ("timestamp", "timestamp_ntz")
        return names[spark]
    if arrow in _SQL_TYPES:
        return _SQL_TYPES[arrow][spark]
    raise EngineError(f"{engine}: column {column} has Arrow type {arrow}, which is not mapped")


class EngineClient(Protocol):
    """What the pipeline's Python needs of an engine; SQL text is the engine's dialect."""

    name: str  # one of ENGINES

    def execute(self, sql: str) -> None:
        """Run a statement that returns nothing."""

    def fetch_arrow(self, sql: str) -> pa.Table:
        """Run a query; its whole result as an Arrow table."""

    def write_arrow(self, schema: str, table: str, data: pa.Table, *, replace: bool = True) -> None:
        """Create `schema.table` from `data` (replacing it), or append to it."""

    def tables(self, schema: str) -> list[str]:
        """The tables (not views) of `schema`, by name; none when the schema does not exist."""

    def ensure_table(
        self, schema: str, table: str, columns: pa.Schema, *, batch_column: str
    ) -> bool:
        """Create the append-only table `schema.table` with `columns` when it is missing (true),
        else add the columns it lacks; never drops or retypes one. Its rows come in batches
        named by `batch_column` (an index on Postgres, the partition column on Spark)."""

    def replace_batch(
        self,
        schema: str,
        table: str,
        batch_column: str,
        batch_id: str,
        data: pa.RecordBatchReader,
    ) -> int:
        """Make the rows of `schema.table` whose `batch_column` is `batch_id` exactly `data`
        (none before: an append; some: they are replaced), in one step a reader sees whole.
        Returns the rows written."""

    def refresh_statistics(self, schema: str, table: str) -> None:
        """Tell the engine's planner what `schema.table` now holds, after batches arrived
        (Postgres: ANALYZE; DuckDB and Spark keep what they need themselves). Without it a
        Postgres plan depends on whether autovacuum got there first."""

    def quote(self, *parts: str) -> str:
        """An identifier quoted for this engine; several parts joined with dots."""

    def close(self) -> None:
        """Release the connection or session."""


def record_batches(data: pa.Table | pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """The record batches of a table or a reader, read once."""
    if isinstance(data, pa.Table):
        yield from data.to_batches()
    else:
        yield from data


@contextmanager
def open_engine(settings: Settings) -> Iterator[EngineClient]:
    """A client of `settings`' engine, closed on exit."""
    client: EngineClient
    if settings.engine == "postgres":
        from foundation.engines.postgres_client import PostgresClient

        client = PostgresClient(settings)
    elif settings.engine == "spark":
        from foundation.engines.spark_client import open_spark

        client = open_spark(settings)
    else:
        from foundation.engines.duckdb_client import DuckDBClient

        client = DuckDBClient(settings)
    try:
        yield client
    finally:
        client.close()
