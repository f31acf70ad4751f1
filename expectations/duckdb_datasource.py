"""A GX SQL datasource for DuckDB that keeps GX's SQL path (checks pushed down) working.

Why this module exists
----------------------
GX 1.24's `SqlAlchemyExecutionEngine.execute_query` runs a query inside
`with self.get_connection() as connection:` and returns the result *after* the
block, i.e. after the connection was closed. Most drivers buffer the rows, but
duckdb-engine's cursor is the DuckDB connection itself: closing the SQLAlchemy
connection rolls back on that DuckDB connection, which drops the pending result.
`fetchall()` then returns `[]` and every bundled metric dies with
`IndexError: list index out of range` in `resolve_metric_bundle`.

GX already handles this for SQLite, SQL Server, BigQuery and Databricks by keeping
one persisted connection (`get_connection` yields it and never closes it). That
list is a private module constant, so instead of patching it we use the two
public extension points GX offers:

- `DuckDBExecutionEngine` subclasses `SqlAlchemyExecutionEngine` and overrides
  `get_connection` (the documented context manager every SQL metric uses) to
  yield one connection kept open until `close()`.
- `DuckDBDatasource` subclasses the fluent `SQLDatasource` and names that engine
  in `execution_engine_type`, the property GX's own `SqliteDatasource` overrides
  for the same purpose. Defining a fluent datasource subclass registers it with
  GX (`context.data_sources.add_duckdb(...)`, type `duckdb` in YAML), so
  importing this module is all it takes.

A second gap, in column reflection: SQLAlchemy 2.1's PostgreSQL reflection (which
duckdb-engine inherits) queries `pg_catalog.pg_collation`, which DuckDB lacks, so
`Inspector.get_columns` raises, and GX's fallback then drops the schema name
(`select * from invoices`) and fails too: no column list, no column check works.
The engine's public `get_inspector` hook therefore returns an inspector that reads
columns from DuckDB's `information_schema.columns` and the primary key from
`duckdb_constraints()` (the PostgreSQL way costs several `pg_catalog` queries per
table), and delegates everything else.

One addition for speed: `DuckDBExecutionEngine.materialize_views` computes a view
once per validation instead of once per GX query (the suites of the marts read
intermediate models that dbt builds as views; see the method).

`tests/quality/test_duckdb_datasource.py` fails if a GX upgrade changes these
hooks (or fixes the upstream bugs, in which case this module can go).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Generator, Iterable, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar, Literal

import sqlalchemy
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.datasource.fluent.interfaces import TestConnectionError
from great_expectations.datasource.fluent.sql_datasource import TableAsset
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

from foundation.duck import quote_ident, quote_literal

__all__ = ["SNAPSHOT_CATALOG", "DuckDBDatasource", "DuckDBExecutionEngine"]

log = logging.getLogger(__name__)

_COLUMNS_SQL = sqlalchemy.text(
    "select column_name, data_type, is_nullable from information_schema.columns"
    " where table_catalog = current_database() and table_schema = :schema"
    " and table_name = :table order by ordinal_position"
)
_PRIMARY_KEY_SQL = sqlalchemy.text(
    "select constraint_column_names from duckdb_constraints()"
    " where database_name = current_database() and schema_name = :schema"
    " and table_name = :table and constraint_type = 'PRIMARY KEY'"
)
# (schema, view, column) of every view of the warehouse, columns in their order.
_VIEW_COLUMNS_SQL = """
select columns.schema_name, columns.table_name, columns.column_name
from duckdb_columns() as columns
inner join duckdb_views() as views
    on views.database_name = columns.database_name
    and views.schema_name = columns.schema_name
    and views.view_name = columns.table_name
where columns.database_name = current_database() and not views.internal
order by columns.schema_name, columns.table_name, columns.column_index
"""
# Prefix of the in-memory catalog that holds the views materialized by
# `materialize_views`; one per engine, since an ATTACH is seen by every connection
# of the DuckDB instance (all connections of one process to one file).
SNAPSHOT_CATALOG = "gx_view_snapshot"
# DuckDB type names the PostgreSQL type map of duckdb-engine does not know.
_EXTRA_TYPES: dict[str, type[sqlalchemy.types.TypeEngine]] = {
    "decimal": sqlalchemy.Numeric,
    "double": sqlalchemy.Float,
}


def _sqlalchemy_type(dialect: sqlalchemy.Dialect, data_type: str) -> sqlalchemy.types.TypeEngine:
    """`DECIMAL(18,4)` -> `Numeric(18, 4)`, `TIMESTAMP WITH TIME ZONE` -> `TIMESTAMP(True)`."""
    base, _, args = data_type.lower().partition("(")
    base = base.strip()
    type_cls = dialect.ischema_names.get(base) or _EXTRA_TYPES.get(base)  # type: ignore[attr-defined]
    if type_cls is None:
        return sqlalchemy.types.NullType()
    if args and issubclass(type_cls, sqlalchemy.Numeric):
        precision, _, scale = args.rstrip(")").partition(",")
        return type_cls(int(precision), int(scale or 0))
    if base.endswith("with time zone") or base == "timestamptz":
        return type_cls(timezone=True)
    return type_cls()


class _InformationSchemaInspector:
    """SQLAlchemy inspector whose `get_columns` reads `information_schema.columns` and
    `get_pk_constraint` `duckdb_constraints()` (PostgreSQL reflection would send
    several `pg_catalog` queries per table)."""

    def __init__(
        self, engine: sqlalchemy.Engine, narrowed: Mapping[tuple[str, str], Collection[str]]
    ) -> None:
        self._engine = engine
        self._inner = sqlalchemy.inspect(engine)
        self._narrowed = narrowed  # (schema, view) -> the columns its copy holds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_columns(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        with self._engine.connect() as con:
            rows = con.execute(
                _COLUMNS_SQL, {"schema": schema or "main", "table": str(table_name)}
            ).fetchall()
        if not rows:
            raise sqlalchemy.exc.NoSuchTableError(f"{schema}.{table_name}")
        kept = self._narrowed.get((schema or "main", str(table_name)))
        if kept is not None:  # GX lists these columns in its queries: the copy's
            rows = [row for row in rows if row[0] in kept]
        return [
            {
                "name": name,
                "type": _sqlalchemy_type(self._engine.dialect, data_type),
                "nullable": is_nullable == "YES",
                "default": None,
            }
            for name, data_type, is_nullable in rows
        ]

    def get_pk_constraint(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        with self._engine.connect() as con:
            row = con.execute(
                _PRIMARY_KEY_SQL, {"schema": schema or "main", "table": str(table_name)}
            ).first()
        return {"constrained_columns": list(row[0]) if row else [], "name": None}


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """`SqlAlchemyExecutionEngine` that runs every query on one kept-open connection.

    The connection is opened on first use and closed by `close()` (the runner calls
    it before returning, so no DuckDB handle outlives a validation).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._persisted: sqlalchemy.Connection | None = None
        self._columns_inspector: _InformationSchemaInspector | None = None
        self._narrowed: dict[tuple[str, str], list[str]] = {}
        self._snapshot_catalog = f"{SNAPSHOT_CATALOG}_{uuid.uuid4().hex[:12]}"

    def get_inspector(self) -> Any:
        if self._columns_inspector is None:
            self._columns_inspector = _InformationSchemaInspector(self.engine, self._narrowed)
        return self._columns_inspector

    @contextmanager
    def get_connection(self) -> Generator[sqlalchemy.Connection, None, None]:
        if self._persisted is None or self._persisted.closed:
            self._persisted = self.engine.connect()
        try:
            # Not closed on exit: the caller reads the result after this block.
            yield self._persisted
        except Exception:
            # A failed statement aborts DuckDB's transaction, and every later query
            # on this connection would fail with it: roll back so that one broken
            # expectation is reported alone, then let GX record the exception.
            self._persisted.rollback()
            raise

    def materialize_views(
        self,
        views: Iterable[tuple[str, str]],
        columns: Mapping[tuple[str, str], Collection[str] | None] | None = None,
    ) -> list[str]:
        """Compute each `(schema, view)` once, for every later query on the kept connection.

        A DuckDB view is recomputed by every query that reads it, and GX sends a
        suite's table several queries (plus the SQL checks that join other
        views). Each view is copied into a table of the same `schema.name` in an
        in-memory catalog of this engine (`SNAPSHOT_CATALOG_<id>`), and the connection's
        `search_path` puts that catalog's schemas before the warehouse's, so
        `intermediate.int_fx_rates_ranged` -- in GX's queries and in the suites' SQL alike --
        reads the copy; any other name still resolves in the warehouse. The
        warehouse is open read-only, so the copy is what the view returns for
        the whole validation. Returns the `schema.view` names copied.

        `columns[(schema, view)]` names the columns worth copying (the checks read
        only those; a narrower copy is cheaper: the view's window carries less);
        a view missing there, mapped to None, or none of whose columns is named,
        is copied whole. The column reflection GX uses (`get_inspector`) then lists
        a narrowed view with its copy's columns, so that GX's own queries, which
        name every column (compound uniqueness), read only those.
        """
        wanted = sorted(set(views))
        if not wanted:
            return []
        with self.get_connection() as con:
            database = con.exec_driver_sql("select current_database()").scalar_one()
            view_columns: dict[tuple[str, str], list[str]] = {}  # every view of the warehouse
            for schema, name, column in con.exec_driver_sql(_VIEW_COLUMNS_SQL).fetchall():
                view_columns.setdefault((schema, name), []).append(column)
            views_present = [view for view in wanted if view in view_columns]
            if not views_present:
                return []
            con.exec_driver_sql(
                f"attach if not exists ':memory:' as {quote_ident(self._snapshot_catalog)}"
                " (read_only false)"
            )
            con.commit()  # a failed copy below rolls back its own statements only
            copied = []
            for schema, name in views_present:
                named = (columns or {}).get((schema, name))
                kept = [c for c in view_columns[(schema, name)] if named is None or c in named]
                if self._copy_view(con, database, schema, name, kept):
                    copied.append((schema, name))
                    if kept and len(kept) < len(view_columns[(schema, name)]):
                        self._narrowed[(schema, name)] = kept
            if copied:
                self._put_copies_first(con, database, sorted({schema for schema, _ in copied}))
        return [f"{schema}.{name}" for schema, name in copied]

    def _copy_view(
        self, con: sqlalchemy.Connection, database: str, schema: str, name: str, kept: list[str]
    ) -> bool:
        """Copy view `database.schema.name` (its `kept` columns; all when none) into the
        snapshot catalog; False (and the view stays a view) when it cannot be computed."""
        snapshot = self._snapshot_catalog
        try:
            con.exec_driver_sql(f"create schema if not exists {quote_ident(snapshot, schema)}")
            select_list = ", ".join(quote_ident(c) for c in kept) if kept else "*"
            con.exec_driver_sql(
                f"create or replace table {quote_ident(snapshot, schema, name)} as "
                f"select {select_list} from {quote_ident(database, schema, name)}"
            )
            con.commit()
        except sqlalchemy.exc.DBAPIError as exc:  # its checks will read the view
            con.rollback()
            log.warning("view %s.%s stays a view: %s", schema, name, exc.orig)
            return False
        return True

    def _put_copies_first(
        self, con: sqlalchemy.Connection, database: str, shadowed: list[str]
    ) -> None:
        """`search_path`: the warehouse's own default schema first (the default catalog
        stays the warehouse), then the copies' schemas, then every warehouse schema: a
        name resolves in the first of these holding its schema that has it."""
        schemas = [
            row[0]
            for row in con.exec_driver_sql(
                "select schema_name from duckdb_schemas()"
                " where database_name = current_database() order by schema_name"
            ).fetchall()
        ]
        search_path = [(database, "main")]
        search_path += [(self._snapshot_catalog, schema) for schema in shadowed]
        search_path += [(database, schema) for schema in schemas]
        con.exec_driver_sql(
            "set search_path = "
            + quote_literal(
                ",".join(quote_ident(catalog, schema) for catalog, schema in search_path)
            )
        )

    def close(self) -> None:
        if self._persisted is not None:
            with suppress(Exception):  # frees the copies if the instance outlives us
                self._persisted.rollback()
                self._persisted.exec_driver_sql(
                    f"detach database if exists {quote_ident(self._snapshot_catalog)}"
                )
            self._persisted.close()
            self._persisted = None
        self._narrowed.clear()
        self.engine.dispose()


def duckdb_url(path: Path) -> str:
    """The SQLAlchemy URL of the DuckDB file at `path`, escaped: a path holding `?`, `#`,
    `%` or `@` would otherwise be read as a query string, an escape or a host."""
    return sqlalchemy.URL.create("duckdb", database=str(path.resolve())).render_as_string(
        hide_password=False
    )


class DuckDBDatasource(SQLDatasource):
    """GX fluent SQL datasource over a DuckDB file (`duckdb:///<path>`)."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]
    connection_string: str

    _EXTRA_EXCLUDED_EXEC_ENG_ARGS: ClassVar[set[str]] = set()

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine

    def test_connection(self, test_assets: bool = True) -> None:
        """GX's test, with the table assets checked by one catalog query.

        GX reads one row of each table asset (`select 1 from t limit 1`), and for a
        view that computes the whole view (a window over a raw table) before
        `materialize_views` could copy it. A missing table or schema still raises
        `TestConnectionError`; a view that exists but cannot be computed fails
        when it is validated instead. Query assets are tested as GX does.
        """
        super().test_connection(test_assets=False)
        if not (test_assets and self.assets):
            return
        with self.get_engine().connect() as con:
            tables = con.exec_driver_sql(
                "select table_schema, table_name from information_schema.tables"
                " where table_catalog = current_database()"
            ).fetchall()
        # an asset without a schema names a table of `main`
        present = {f"{schema}.{table}" for schema, table in tables}
        present |= {table for schema, table in tables if schema == "main"}
        for asset in self.assets:
            asset._datasource = self  # as GX's own test does
            if not isinstance(asset, TableAsset):
                asset.test_connection()
            elif asset.qualified_name not in present:
                raise TestConnectionError(
                    f'Attempt to connect to table: "{asset.qualified_name}" failed: '
                    "no such table or view"
                )
