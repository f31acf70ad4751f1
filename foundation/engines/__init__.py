"""The engines the dbt project runs on, and one small client for each.

The warehouse's landing work (loading, quarantine, load accounting) always
happens in the embedded DuckDB file; the engine is where dbt builds staging to
marts: the DuckDB file itself (the default), a Postgres database or a Spark
session / Thrift server. Code outside dbt that reads or writes the engine
(shipping raw batches, the churn model, GX, publishing) goes through an
`EngineClient`, so it is written once for all three.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import pyarrow as pa

from foundation.settings import ENGINES, Settings

__all__ = ["ENGINES", "EngineClient", "EngineError", "open_engine"]


class EngineError(RuntimeError):
    """The engine refused a statement or could not be reached (one line, engine named)."""


class EngineClient(Protocol):
    """What the pipeline's Python needs of an engine; SQL text is the engine's dialect."""

    name: str  # one of ENGINES

    def execute(self, sql: str) -> None:
        """Run a statement that returns nothing."""

    def fetch_arrow(self, sql: str) -> pa.Table:
        """Run a query; its whole result as an Arrow table."""

    def write_arrow(self, schema: str, table: str, data: pa.Table, *, replace: bool = True) -> None:
        """Create `schema.table` from `data` (replacing it), or append to it."""

    def quote(self, *parts: str) -> str:
        """An identifier quoted for this engine; several parts joined with dots."""

    def close(self) -> None:
        """Release the connection or session."""


@contextmanager
def open_engine(settings: Settings) -> Iterator[EngineClient]:
    """A client of `settings`' engine, closed on exit."""
    from foundation.engines.duckdb_client import DuckDBClient

    client: EngineClient = DuckDBClient(settings)
    try:
        yield client
    finally:
        client.close()
