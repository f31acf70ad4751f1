"""Publishing from Postgres gives the same serving database and Parquet files as publishing
the same marts from DuckDB: same tables, columns, types and values."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from foundation.engines import open_engine
from foundation.settings import Settings
from serving.publish import PublishError, publish
from tests.engines.conftest import base_settings

# One SQL text that both engines run: the marts' column types and literal values.
MARTS_SQL = [
    "create schema marts",
    "create table marts.metrics_monthly ("
    " month date, mrr numeric(18, 4), ratio numeric(38, 10), win_rate double precision,"
    " customers bigint, reps integer, is_complete boolean, currency varchar,"
    " computed_at timestamp, loaded_at timestamptz)",
    "insert into marts.metrics_monthly values"
    " (date '2025-01-01', 950868.2000, 0.9880000001, 0.30000000000000004, 500, 12, true,"
    "  'USD', timestamp '2025-01-31 23:59:59.5', timestamptz '2025-02-01 06:00:00.123456+00'),"
    " (date '2025-02-01', -0.0001, 1234567890123456789012345678.0123456789, -1.5e-300, 0, 0,"
    "  false, 'O''Brien, \"Jr\"', timestamp '1999-12-31 00:00:00',"
    "  timestamptz '2025-03-01 00:00:00+00'),"
    " (date '2025-03-01', null, null, null, null, null, null, null, null, null)",
    "create table marts.fct_mrr (account_id varchar, mrr numeric(18, 4))",
    "insert into marts.fct_mrr values ('A-1', 10.5), ('', 0)",
    # Neither a view of marts nor a table of another schema is published.
    "create view marts.a_view as select * from marts.fct_mrr",
    "create schema intermediate",
    "create table intermediate.int_helper (x integer)",
]

# What the serving database holds, worked out from the DDL above: DuckDB's names of
# the types of both engines' columns.
SERVING_COLUMNS = [
    ("fct_mrr", "account_id", "VARCHAR"),
    ("fct_mrr", "mrr", "DECIMAL(18,4)"),
    ("metrics_monthly", "month", "DATE"),
    ("metrics_monthly", "mrr", "DECIMAL(18,4)"),
    ("metrics_monthly", "ratio", "DECIMAL(38,10)"),
    ("metrics_monthly", "win_rate", "DOUBLE"),
    ("metrics_monthly", "customers", "BIGINT"),
    ("metrics_monthly", "reps", "INTEGER"),
    ("metrics_monthly", "is_complete", "BOOLEAN"),
    ("metrics_monthly", "currency", "VARCHAR"),
    ("metrics_monthly", "computed_at", "TIMESTAMP"),
    ("metrics_monthly", "loaded_at", "TIMESTAMP WITH TIME ZONE"),
]


def _serving(settings: Settings) -> tuple[list[tuple], dict[str, list[tuple]]]:
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        columns = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
        rows = {
            table: con.execute(f"select * from marts.{table} order by all").fetchall()
            for table in ("fct_mrr", "metrics_monthly")
        }
    return columns, rows


def test_publishing_from_postgres_equals_publishing_from_duckdb(postgres_server, tmp_path: Path):
    on_duckdb = base_settings(tmp_path / "duckdb")
    on_postgres = postgres_server.settings(base_settings(tmp_path / "postgres"))
    for settings in (on_duckdb, on_postgres):
        with open_engine(settings) as client:
            client.execute("drop schema if exists marts cascade")
            client.execute("drop schema if exists intermediate cascade")
            for statement in MARTS_SQL:
                client.execute(statement)

    from_duckdb = publish(on_duckdb)
    from_postgres = publish(on_postgres)

    assert from_duckdb.tables == from_postgres.tables == {"fct_mrr": 2, "metrics_monthly": 3}
    columns, rows = _serving(on_postgres)
    assert columns == SERVING_COLUMNS
    assert (columns, rows) == _serving(on_duckdb)
    assert rows["fct_mrr"] == [("", 0), ("A-1", 10.5)]
    for table in ("fct_mrr", "metrics_monthly"):
        ours = pq.read_table(on_postgres.parquet_dir / f"{table}.parquet")
        theirs = pq.read_table(on_duckdb.parquet_dir / f"{table}.parquet")
        assert ours.schema.remove_metadata() == theirs.schema.remove_metadata()
        order = [(name, "ascending") for name in ours.column_names]
        assert ours.sort_by(order).equals(theirs.sort_by(order))


def test_an_unreachable_engine_leaves_the_last_published_version(postgres_server, tmp_path):
    from dataclasses import replace

    from foundation.settings import PostgresSettings
    from tests.engines.servers import free_port

    settings = postgres_server.settings(base_settings(tmp_path))
    with open_engine(settings) as client:
        client.execute("drop schema if exists marts cascade")
        client.execute("create schema marts")
        client.execute("create table marts.fct_mrr as select 'A-1' as account_id")
    publish(settings)
    before = settings.serving.read_bytes()
    gone = replace(settings, postgres=PostgresSettings(host="127.0.0.1", port=free_port()))
    with pytest.raises(PublishError) as raised:
        publish(gone)
    assert str(raised.value).startswith("not publishing: cannot read the marts: postgres at ")
    assert settings.serving.read_bytes() == before
    assert [p.name for p in settings.warehouse_dir.rglob("*.tmp-*")] == []
