"""The DuckDB engine: the warehouse file itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from foundation.duck import connect, quote_ident
from foundation.engines import engine_error
from foundation.settings import Settings

ARROW_VIEW = "_revops_arrow"


class DuckDBClient:
    name = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self._where = settings.engine_where
        with self._errors():
            self._con = connect(settings.warehouse, settings)
            # Like the other engines' sessions: a timestamptz reads as an instant in UTC.
            self._con.execute("set TimeZone = 'UTC'")

    def execute(self, sql: str) -> None:
        with self._errors():
            self._con.execute(sql)

    def fetch_arrow(self, sql: str) -> pa.Table:
        with self._errors():
            return self._con.sql(sql).to_arrow_table()

    def write_arrow(self, schema: str, table: str, data: pa.Table, *, replace: bool = True) -> None:
        target = quote_ident(schema, table)
        with self._errors():
            self._con.execute(f"create schema if not exists {quote_ident(schema)}")
            if replace:
                self._with_arrow(data, f"create or replace table {target} as from {ARROW_VIEW}")
            else:
                self._with_arrow(data, f"insert into {target} by name from {ARROW_VIEW}")

    def tables(self, schema: str) -> list[str]:
        with self._errors():
            rows = self._con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [schema],
            ).fetchall()
        return [row[0] for row in rows]

    def ensure_table(
        self, schema: str, table: str, columns: pa.Schema, *, batch_column: str
    ) -> bool:
        with self._errors():
            existing = {
                row[0]
                for row in self._con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            }
            if not existing:
                self.write_arrow(schema, table, columns.empty_table())
                return True
            types = dict(
                self._with_arrow(
                    columns.empty_table(),
                    f"select column_name, column_type from (describe {ARROW_VIEW})",
                )
            )
            for name in columns.names:
                if name not in existing:
                    self._con.execute(
                        f"alter table {quote_ident(schema, table)} "
                        f"add column {quote_ident(name)} {types[name]}"
                    )
        return False

    def replace_batch(
        self,
        schema: str,
        table: str,
        batch_column: str,
        batch_id: str,
        data: pa.RecordBatchReader,
    ) -> int:
        target = quote_ident(schema, table)
        with self._errors():
            self._con.begin()
            try:
                self._con.execute(
                    f"delete from {target} where {quote_ident(batch_column)} = ?", [batch_id]
                )
                rows = self._with_arrow(data, f"insert into {target} by name from {ARROW_VIEW}")
                self._con.commit()
            except BaseException:
                self._con.rollback()
                raise
        return rows[0][0]

    def refresh_statistics(self, schema: str, table: str) -> None:
        return None  # DuckDB keeps its statistics as it writes

    def quote(self, *parts: str) -> str:
        return quote_ident(*parts)

    def close(self) -> None:
        self._con.close()

    def _with_arrow(
        self, data: pa.Table | pa.RecordBatchReader, sql: str
    ) -> list[tuple[object, ...]]:
        """Run `sql` with `data` visible as ARROW_VIEW; its rows."""
        self._con.register(ARROW_VIEW, data)
        try:
            return self._con.execute(sql).fetchall()
        finally:
            self._con.unregister(ARROW_VIEW)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except duckdb.Error as error:
            raise engine_error(self._where, error) from None
