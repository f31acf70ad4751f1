"""GX's SQL path on DuckDB: why expectations/duckdb_datasource.py exists, and that it works.

If a GX or duckdb-engine upgrade fixes the upstream bugs, the first test fails:
then the `duckdb` datasource can be dropped for GX's own `sql` datasource.
If an upgrade stops calling the hooks the datasource overrides, the others fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pytest
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.datasource.fluent.interfaces import GxDatasourceWarning, TestConnectionError
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

from expectations.duckdb_datasource import (
    SNAPSHOT_CATALOG,
    DuckDBDatasource,
    DuckDBExecutionEngine,
)

ROWS = 10_000


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sales.orders: 10,000 rows, id 0..9999.

    - note is null where id % 1000 = 0      -> 10 nulls (0, 1000, ..., 9000)
    - code repeats id % 9000                -> ids 9000..9999 share codes with 0..999:
                                               2,000 rows with a duplicated code
    - status 'bad' where id % 2500 = 1       -> 4 rows (1, 2501, 5001, 7501)
    - amount = id - 3                        -> 3 rows below 0 (-3, -2, -1)
    """
    path = tmp_path_factory.mktemp("gxduck") / "t.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema sales")
        con.execute(
            f"""
            create table sales.orders as
            select
                range as id,
                case when range % 1000 = 0 then null else 'n' end as note,
                'c' || (range % 9000) as code,
                case when range % 2500 = 1 then 'bad' else 'ok' end as status,
                (range - 3)::decimal(18, 4) as amount
            from range({ROWS})
            """
        )
    finally:
        con.close()
    return path


@pytest.fixture
def context() -> Iterator[gx.data_context.AbstractDataContext]:
    yield gx.get_context(mode="ephemeral")


def _batch(datasource, name: str = "orders"):
    asset = datasource.add_table_asset(name=name, table_name="orders", schema_name="sales")
    return asset.add_batch_definition_whole_table("all").get_batch()


def _raised_messages(result) -> list[str]:
    info = result.exception_info or {}
    candidates = [info] if "raised_exception" in info else list(info.values())
    return [c["exception_message"] for c in candidates if c.get("raised_exception")]


def test_plain_sql_datasource_loses_duckdb_results(context, db: Path) -> None:
    """The upstream bug this module works around (GX 1.24 + duckdb-engine 0.17)."""
    # GX itself points at the registered `duckdb` type for a duckdb:// connection string
    with pytest.warns(GxDatasourceWarning, match="DuckDBDatasource"):
        datasource = context.data_sources.add_sql(name="plain", connection_string=f"duckdb:///{db}")
    try:
        result = _batch(datasource).validate(gxe.ExpectColumnValuesToNotBeNull(column="note"))
    finally:
        datasource.get_execution_engine().close()
    messages = _raised_messages(result)
    assert result.success is False
    assert any("list index out of range" in m for m in messages), (
        "GX's plain SQL datasource now reads DuckDB results correctly: "
        f"expectations/duckdb_datasource.py may no longer be needed ({messages})"
    )
    # plain GX keeps a persisted connection only for its own list of dialects
    from great_expectations.execution_engine import sqlalchemy_execution_engine as sae

    assert "duckdb" not in {d.value for d in sae._PERSISTED_CONNECTION_DIALECTS}


def test_duckdb_datasource_reports_exact_counts(context, db: Path) -> None:
    datasource = context.data_sources.add_duckdb(name="duck", connection_string=f"duckdb:///{db}")
    assert isinstance(datasource, DuckDBDatasource)
    batch = _batch(datasource)
    checks = {
        "nulls": (gxe.ExpectColumnValuesToNotBeNull(column="note"), 10),
        "duplicates": (gxe.ExpectColumnValuesToBeUnique(column="code"), 2000),
        "enum": (gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["ok"]), 4),
        "range": (gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0), 3),
        "clean": (gxe.ExpectColumnValuesToBeUnique(column="id"), 0),
    }
    try:
        for name, (expectation, expected) in checks.items():
            result = batch.validate(expectation, result_format="SUMMARY")
            assert _raised_messages(result) == [], name
            assert result.result["unexpected_count"] == expected, name
            assert result.success is (expected == 0), name
        rows = batch.validate(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query="select * from {batch} where amount < 0 or note is null"
            )
        )
        # 3 negative amounts + 10 null notes, id 0 is both -> 12 rows
        assert rows.result["observed_value"] == 12 and rows.success is False
    finally:
        datasource.get_execution_engine().close()


def test_engine_keeps_one_connection_until_closed(context, db: Path) -> None:
    datasource = context.data_sources.add_duckdb(name="duck", connection_string=f"duckdb:///{db}")
    engine = datasource.get_execution_engine()
    assert type(engine) is DuckDBExecutionEngine
    with engine.get_connection() as first:
        pass
    with engine.get_connection() as second:
        pass
    assert first is second and not first.closed
    engine.close()
    assert first.closed


def test_failed_query_does_not_poison_the_next_one(context, db: Path) -> None:
    datasource = context.data_sources.add_duckdb(name="duck", connection_string=f"duckdb:///{db}")
    batch = _batch(datasource)
    try:
        broken = batch.validate(
            gxe.UnexpectedRowsExpectation(unexpected_rows_query="select * from {batch}, nowhere")
        )
        assert broken.success is False and _raised_messages(broken)
        after = batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="note"))
        assert _raised_messages(after) == [] and after.result["unexpected_count"] == 10
    finally:
        datasource.get_execution_engine().close()


def test_columns_are_reflected_in_their_schema(context, db: Path) -> None:
    datasource = context.data_sources.add_duckdb(name="duck", connection_string=f"duckdb:///{db}")
    batch = _batch(datasource)
    try:
        present = batch.validate(gxe.ExpectColumnToExist(column="amount"))
        missing = batch.validate(gxe.ExpectColumnToExist(column="nope"))
        ordered = batch.validate(
            gxe.ExpectTableColumnsToMatchOrderedList(
                column_list=["id", "note", "code", "status", "amount"]
            )
        )
    finally:
        datasource.get_execution_engine().close()
    assert present.success and not _raised_messages(present)
    assert missing.success is False and not _raised_messages(missing)
    assert ordered.success


def test_hooks_still_exist_in_gx() -> None:
    """The two extension points used: a datasource's engine type, an engine's connection."""
    assert isinstance(SQLDatasource.__dict__["execution_engine_type"], property)
    assert callable(SqlAlchemyExecutionEngine.get_connection)
    assert callable(SqlAlchemyExecutionEngine.get_inspector)
    assert DuckDBExecutionEngine.get_connection is not SqlAlchemyExecutionEngine.get_connection


@pytest.fixture
def views_db(tmp_path: Path) -> Path:
    """sales.orders (ids 0..9) with views over it, and other.t (one row)."""
    path = tmp_path / "views.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema sales")
        con.execute("create table sales.orders as select range as id from range(10)")
        # random() is drawn again by every query of the view; a copy keeps one draw
        con.execute("create view sales.draws as select id, random() as r from sales.orders")
        con.execute("create view sales.small as select * from sales.orders where id < 3")
        con.execute("create table sales.gone as select 1 as x")
        con.execute("create view sales.broken as select * from sales.gone")
        con.execute("drop table sales.gone")
        con.execute("create schema other")
        con.execute("create table other.t as select 1 as x")
    finally:
        con.close()
    return path


def test_views_are_computed_once_on_the_kept_connection(context, views_db: Path) -> None:
    datasource = context.data_sources.add_duckdb(
        name="duck",
        connection_string=f"duckdb:///{views_db}",
        kwargs={"connect_args": {"read_only": True}},  # as the runner opens the warehouse
    )
    engine = datasource.get_execution_engine()
    try:
        copied = engine.materialize_views(
            [("sales", "draws"), ("sales", "orders"), ("sales", "broken"), ("sales", "nope")]
        )
        # a table, a view that cannot be computed and an unknown name are not copied
        assert copied == ["sales.draws"]
        with engine.get_connection() as con:

            def value(sql: str) -> object:
                return con.exec_driver_sql(sql).scalar_one()

            assert value("select sum(r) from sales.draws") == value(
                "select sum(r) from sales.draws"
            )
            # the other names of the shadowed schema, and other schemas, still resolve
            assert value("select count(*) from sales.small") == 3  # ids 0, 1, 2
            assert value("select count(*) from sales.orders") == 10
            assert value("select x from other.t") == 1
            with pytest.raises(Exception, match="gone"):
                con.exec_driver_sql("select * from sales.broken")
            con.rollback()
        # GX's own queries read the copy, and reflect its columns once
        asset = datasource.add_table_asset(name="draws", table_name="draws", schema_name="sales")
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        columns = batch.validate(gxe.ExpectTableColumnsToMatchOrderedList(column_list=["id", "r"]))
        assert columns.success and not _raised_messages(columns)
        rows = batch.validate(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query="select * from {batch} join sales.small using (id)"
            )
        )
        assert rows.result["observed_value"] == 3
        # the copies are seen by the whole DuckDB instance (another connection too)
        assert [d for d in _databases(datasource) if d.startswith(SNAPSHOT_CATALOG)]
    finally:
        engine.close()
    # close() drops them even while another connection keeps the instance open
    databases = _databases(datasource)
    datasource.get_engine().dispose()
    assert "views" in databases
    assert not [d for d in databases if d.startswith(SNAPSHOT_CATALOG)], databases


def _databases(datasource: DuckDBDatasource) -> set[str]:
    with datasource.get_engine().connect() as other:
        return {r[0] for r in other.exec_driver_sql("select database_name from duckdb_databases()")}


def test_primary_key_is_read_from_duckdb(tmp_path: Path, context) -> None:
    path = tmp_path / "pk.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create table main.lines (invoice_id varchar, line int, primary key (invoice_id, line))"
    )
    con.close()
    datasource = context.data_sources.add_duckdb(name="duck", connection_string=f"duckdb:///{path}")
    engine = datasource.get_execution_engine()
    try:
        inspector = engine.get_inspector()
        assert inspector.get_pk_constraint("lines", schema="main")["constrained_columns"] == [
            "invoice_id",
            "line",
        ]
    finally:
        engine.close()


def test_a_view_can_be_copied_with_only_some_columns(context, views_db: Path) -> None:
    datasource = context.data_sources.add_duckdb(
        name="duck", connection_string=f"duckdb:///{views_db}"
    )
    engine = datasource.get_execution_engine()
    try:
        # draws (id, r) keeps id; small (id) is named but nothing of it: copied whole
        copied = engine.materialize_views(
            [("sales", "draws"), ("sales", "small")],
            columns={("sales", "draws"): {"id", "nope"}, ("sales", "small"): {"x"}},
        )
        assert copied == ["sales.draws", "sales.small"]
        with engine.get_connection() as con:
            assert list(con.exec_driver_sql("select * from sales.draws").keys()) == ["id"]
            assert list(con.exec_driver_sql("select * from sales.small").keys()) == ["id"]
        # GX reflects the copy's columns, so its queries that list them all still run
        asset = datasource.add_table_asset(name="draws", table_name="draws", schema_name="sales")
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        columns = batch.validate(gxe.ExpectTableColumnsToMatchOrderedList(column_list=["id"]))
        unique = batch.validate(gxe.ExpectCompoundColumnsToBeUnique(column_list=["id", "id"]))
        assert columns.success and not _raised_messages(columns)
        assert not _raised_messages(unique)
    finally:
        engine.close()


def test_connection_test_names_a_missing_table_but_does_not_compute_views(
    context, views_db: Path
) -> None:
    def datasource(name: str, table: str):
        return DuckDBDatasource(
            name=name,
            connection_string=f"duckdb:///{views_db}",
            assets=[{"name": table, "type": "table", "table_name": table, "schema_name": "sales"}],
        )

    with pytest.raises(TestConnectionError, match=r"sales\.nope"):
        context.data_sources.add_duckdb(datasource("missing", "nope"))
    # GX's own test reads a row of each table; a view that cannot be computed
    # is added, and fails when it is validated
    broken = context.data_sources.add_duckdb(datasource("broken", "broken"))
    try:
        batch = broken.get_asset("broken").add_batch_definition_whole_table("all").get_batch()
        result = batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="x"))
        assert result.success is False
        assert any("gone" in m for m in _raised_messages(result))
    finally:
        broken.get_execution_engine().close()
