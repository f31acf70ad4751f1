"""The DuckDB engine: the warehouse file itself."""

from __future__ import annotations

import pyarrow as pa

from foundation.duck import connect, quote_ident
from foundation.settings import Settings


class DuckDBClient:
    name = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self._con = connect(settings.warehouse, settings)

    def execute(self, sql: str) -> None:
        self._con.execute(sql)

    def fetch_arrow(self, sql: str) -> pa.Table:
        return self._con.sql(sql).to_arrow_table()

    def write_arrow(self, schema: str, table: str, data: pa.Table, *, replace: bool = True) -> None:
        target = quote_ident(schema, table)
        self._con.execute(f"create schema if not exists {quote_ident(schema)}")
        self._con.register("_revops_arrow", data)
        try:
            if replace:
                self._con.execute(f"create or replace table {target} as from _revops_arrow")
            else:
                self._con.execute(f"insert into {target} by name from _revops_arrow")
        finally:
            self._con.unregister("_revops_arrow")

    def quote(self, *parts: str) -> str:
        return quote_ident(*parts)

    def close(self) -> None:
        self._con.close()
