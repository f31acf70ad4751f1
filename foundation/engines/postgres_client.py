"""The Postgres engine, over psycopg2.

Bulk data move as CSV through COPY, never row by row: `write_arrow` and
`replace_batch` render Arrow record batches to CSV with pyarrow's writer and
`COPY ... FROM STDIN`; `fetch_arrow` runs `COPY (query) TO STDOUT` and parses
it with pyarrow's reader into the Arrow types of the query's columns. In that
CSV an unquoted empty field is null and a quoted one ("") the empty string, on
both sides. The session runs in UTC with ISO dates, so a timestamptz reads back
as the same instant.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from foundation.engines import EngineError, engine_error, record_batches, sql_type
from foundation.settings import Settings

# An unconstrained `numeric` (no precision in its type, e.g. a sum of numerics) has no
# Arrow type of its own; it is read as this, rounded by Postgres.
MAX_DECIMAL_PRECISION = 38
UNCONSTRAINED_NUMERIC = (38, 10)

# Postgres type OID -> Arrow type, for the types the pipeline reads.
_ARROW_OF_OID: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    19: pa.string(),  # name
    1042: pa.string(),  # char(n)
    1043: pa.string(),  # varchar
    2950: pa.string(),  # uuid
    700: pa.float32(),
    701: pa.float64(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
NUMERIC_OID = 1700


class PostgresClient:
    name = "postgres"

    def __init__(self, settings: Settings) -> None:
        import psycopg2

        pg = settings.postgres
        self._where = f"postgres at {pg.where}"
        self._errors: tuple[type[BaseException], ...] = (psycopg2.Error,)
        try:
            self._con = psycopg2.connect(
                host=pg.host,
                port=pg.port,
                user=pg.user,
                dbname=pg.database,
                password=pg.password or None,
                connect_timeout=10,
                application_name="revops",
                options="-c TimeZone=UTC -c DateStyle=ISO,YMD -c client_encoding=UTF8",
            )
        except psycopg2.Error as error:
            raise engine_error(self._where, error) from None

    # --- the EngineClient interface -------------------------------------------------

    def execute(self, sql: str) -> None:
        with self._transaction() as cur:
            cur.execute(sql)

    def fetch_arrow(self, sql: str) -> pa.Table:
        with self._transaction() as cur:
            cur.execute(f"select * from ({sql}) as revops_query limit 0")
            fields, selects = [], []
            for column in cur.description:
                arrow, select = self._read_type(column)
                fields.append(pa.field(column.name, arrow))
                selects.append(select)
            schema = pa.schema(fields)
            out = io.BytesIO()
            cur.copy_expert(
                f"copy (select {', '.join(selects)} from ({sql}) as revops_query) "
                "to stdout with (format csv)",
                out,
            )
        if not out.getvalue():
            return schema.empty_table()
        return pa_csv.read_csv(
            io.BytesIO(out.getvalue()),
            read_options=pa_csv.ReadOptions(column_names=schema.names),
            convert_options=pa_csv.ConvertOptions(
                column_types=schema,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )

    def write_arrow(self, schema: str, table: str, data: pa.Table, *, replace: bool = True) -> None:
        target = self.quote(schema, table)
        with self._transaction() as cur:
            cur.execute(f"create schema if not exists {self.quote(schema)}")
            if replace:
                cur.execute(f"drop table if exists {target}")
                cur.execute(f"create table {target} ({self._columns_sql(data.schema)})")
            self._copy_in(cur, schema, table, data)

    def tables(self, schema: str) -> list[str]:
        with self._transaction() as cur:
            cur.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE' order by table_name",
                [schema],
            )
            return [row[0] for row in cur.fetchall()]

    def ensure_table(
        self, schema: str, table: str, columns: pa.Schema, *, batch_column: str
    ) -> bool:
        target = self.quote(schema, table)
        with self._transaction() as cur:
            cur.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s",
                [schema, table],
            )
            existing = {row[0] for row in cur.fetchall()}
            if not existing:
                cur.execute(f"create schema if not exists {self.quote(schema)}")
                cur.execute(f"create table {target} ({self._columns_sql(columns)})")
                # Replacing a batch deletes its rows first: find them without a scan.
                cur.execute(f"create index on {target} ({self.quote(batch_column)})")
                return True
            for column in columns:
                if column.name not in existing:
                    kind = sql_type("postgres", column.type, column.name)
                    cur.execute(f"alter table {target} add column {self.quote(column.name)} {kind}")
            return False

    def replace_batch(
        self,
        schema: str,
        table: str,
        batch_column: str,
        batch_id: str,
        data: pa.RecordBatchReader,
    ) -> int:
        target = self.quote(schema, table)
        with self._transaction() as cur:
            cur.execute(f"delete from {target} where {self.quote(batch_column)} = %s", [batch_id])
            return self._copy_in(cur, schema, table, data)

    def refresh_statistics(self, schema: str, table: str) -> None:
        self.execute(f"analyze {self.quote(schema, table)}")

    def quote(self, *parts: str) -> str:
        return ".".join('"' + part.replace('"', '""') + '"' for part in parts)

    def close(self) -> None:
        self._con.close()

    # --- helpers ------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    def _columns_sql(self, schema: pa.Schema) -> str:
        return ", ".join(
            f"{self.quote(field.name)} {sql_type('postgres', field.type, field.name)}"
            for field in schema
        )

    def _copy_in(
        self, cur: Any, schema: str, table: str, data: pa.Table | pa.RecordBatchReader
    ) -> int:
        """COPY the rows of `data` into `schema.table` (its columns by name), a CSV chunk per
        batch."""
        target = self.quote(schema, table)
        columns = ", ".join(self.quote(name) for name in data.schema.names)
        rows = 0
        for batch in record_batches(data):
            if batch.num_rows == 0:
                continue
            chunk = io.BytesIO()
            pa_csv.write_csv(batch, chunk, pa_csv.WriteOptions(include_header=False))
            chunk.seek(0)
            cur.copy_expert(f"copy {target} ({columns}) from stdin with (format csv)", chunk)
            rows += batch.num_rows
        return rows

    def _read_type(self, column: Any) -> tuple[pa.DataType, str]:
        """The Arrow type of a result column, and how the COPY selects it."""
        name = self.quote(column.name)
        if column.type_code == NUMERIC_OID:
            if column.precision is None or column.precision <= 0:
                precision, scale = UNCONSTRAINED_NUMERIC
                return pa.decimal128(precision, scale), f"{name}::numeric({precision}, {scale})"
            if column.precision > MAX_DECIMAL_PRECISION:
                # Arrow's decimal128 holds 38 digits: a wider numeric (a quotient, whose
                # scale Postgres widens) keeps up to 28 integer digits, the rest as scale.
                whole = min(max(column.precision - (column.scale or 0), 1), 28)
                scale = min(column.scale or 0, MAX_DECIMAL_PRECISION - whole)
                cast = f"{name}::numeric({MAX_DECIMAL_PRECISION}, {scale})"
                return pa.decimal128(MAX_DECIMAL_PRECISION, scale), cast
            return pa.decimal128(column.precision, column.scale or 0), name
        arrow = _ARROW_OF_OID.get(column.type_code)
        if arrow is None:
            raise EngineError(
                f"{self._where}: column {column.name} has a Postgres type (oid "
                f"{column.type_code}) that is not read into Arrow"
            )
        return arrow, name


class _Transaction:
    """A cursor in a transaction: committed on success, rolled back on error; a Postgres
    error becomes one EngineError line naming the server."""

    def __init__(self, client: PostgresClient) -> None:
        self._client = client
        self._cur: Any = None

    def __enter__(self) -> Any:
        self._cur = self._client._con.cursor()
        return self._cur

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> None:
        con = self._client._con
        self._cur.close()
        if error is None:
            con.commit()
            return
        if not con.closed:
            con.rollback()
        if isinstance(error, self._client._errors):
            raise engine_error(self._client._where, error) from None
