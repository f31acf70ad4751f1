"""Shipping the raw layer to Postgres and Spark: every loaded batch arrives once, with
DuckDB's columns and types, across a crash at each point of the way."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import ingestion.ship as ship
from foundation.contract import ENTITIES
from foundation.engines import EngineClient, open_engine
from foundation.settings import Settings
from ingestion.loader import load_landing
from ingestion.ship import ShipError, ship_raw
from tests.engines.conftest import base_settings
from tests.engines.servers import spark_settings
from tests.ingestion.ingest_helpers import write_csv

FX_HEADER = ["currency", "rate_date", "usd_per_unit"]


class SimulatedCrash(RuntimeError):
    """Stands for the process dying at that point."""


@dataclass
class Shipping:
    settings: Settings
    client: EngineClient


@pytest.fixture(params=["postgres", "spark_session"])
def shipping(request, tmp_path: Path) -> Iterator[Shipping]:
    """A DuckDB warehouse in tmp_path and a client of an engine with no raw schema yet."""
    base = base_settings(tmp_path)
    if request.param == "postgres":
        settings = request.getfixturevalue("postgres_server").settings(base)
        with open_engine(settings) as client:
            client.execute("drop schema if exists raw cascade")
            yield Shipping(settings, client)
        return
    spark_dir: Path = request.getfixturevalue("spark_dir")
    client = request.getfixturevalue("spark_session_client")
    client.execute("drop database if exists raw cascade")
    shutil.rmtree(spark_dir / "external" / "raw", ignore_errors=True)
    yield Shipping(spark_settings(base, spark_dir), client)


def _load(settings: Settings, name: str, header: list[str], rows: list[list], batch: str):
    write_csv(settings.landing / "fx_rates" / name, header, rows)
    load_landing(settings, ["fx_rates"], batch_id=batch)


def _engine_rows(shipping: Shipping) -> list[tuple]:
    table = shipping.client.fetch_arrow(
        "select currency, rate_date, usd_per_unit, _batch_id "
        f"from {shipping.client.quote('raw', 'fx_rates')} order by currency"
    )
    return [tuple(row.values()) for row in table.to_pylist()]


def _recorded(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(
            "select batch_id, rows_shipped from audit.shipped_batches "
            "where entity = 'fx_rates' order by batch_id"
        ).fetchall()


def test_raw_batches_arrive_once_with_duckdbs_columns_and_types(shipping, monkeypatch):
    settings, client = shipping.settings, shipping.client
    # Batch b1: two good rates and one negative rate, which the loader quarantines.
    _load(
        settings,
        "2024-01.csv",
        FX_HEADER,
        [
            ["EUR", "2024-01-01", "1.0850"],
            ["GBP", "2024-01-01", "1.27"],
            ["CHF", "2024-01-01", "-1"],
        ],
        "b1",
    )
    first = ship_raw(settings, client=client)
    shipped = {entity.entity: (entity.batches, entity.rows) for entity in first.entities}
    assert shipped["fx_rates"] == (["b1"], 2)
    # dbt's sources read every raw table: the entities that never landed arrive empty.
    assert sorted(shipped) == sorted(entity.name for entity in ENTITIES)
    assert all(shipped[e.name] == ([], 0) for e in ENTITIES if e.name != "fx_rates")
    assert set(client.tables("raw")) == {entity.name for entity in ENTITIES}
    assert _engine_rows(shipping) == [
        ("EUR", date(2024, 1, 1), Decimal("1.0850"), "b1"),
        ("GBP", date(2024, 1, 1), Decimal("1.2700"), "b1"),
    ]
    if settings.engine == "postgres":  # the planner knows the rows now, not at autovacuum
        analyzed = client.fetch_arrow(
            "select relname from pg_stat_user_tables "
            "where schemaname = 'raw' and last_analyze is not null"
        )
        assert analyzed.column("relname").to_pylist() == ["fx_rates"]

    # Batch b2 brings a drift column. The process dies after the engine has the batch and
    # before it is recorded: the next shipping sends it again, replacing the copy.
    _load(
        settings,
        "2024-02.csv",
        [*FX_HEADER, "source"],
        [["JPY", "2024-02-01", "0.0067", "ecb"]],
        "b2",
    )

    def crash(*args, **kwargs):
        raise SimulatedCrash("after the write, before the record")

    with monkeypatch.context() as patch:
        patch.setattr(ship, "_record_shipped", crash)
        with pytest.raises(SimulatedCrash):
            ship_raw(settings, client=client)
    assert len(_engine_rows(shipping)) == 3  # the engine has b2, the record does not
    assert _recorded(settings) == [("b1", 2)]
    again = ship_raw(settings, client=client)
    assert (again.batches, again.rows) == (1, 1)
    assert _engine_rows(shipping) == [
        ("EUR", date(2024, 1, 1), Decimal("1.0850"), "b1"),
        ("GBP", date(2024, 1, 1), Decimal("1.2700"), "b1"),
        ("JPY", date(2024, 2, 1), Decimal("0.0067"), "b2"),
    ]
    assert _recorded(settings) == [("b1", 2), ("b2", 1)]

    # Batch b3: the process dies before the engine has it; nothing of it is there, and
    # the next shipping sends it.
    _load(settings, "2024-03.csv", FX_HEADER, [["SEK", "2024-03-01", "0.0950"]], "b3")
    with monkeypatch.context() as patch:
        patch.setattr(client, "replace_batch", crash)
        with pytest.raises(SimulatedCrash):
            ship_raw(settings, client=client)
    assert len(_engine_rows(shipping)) == 3
    assert ship_raw(settings, client=client).rows == 1
    assert [row[0] for row in _engine_rows(shipping)] == ["EUR", "GBP", "JPY", "SEK"]

    # Nothing new: nothing shipped.
    assert ship_raw(settings, client=client).batches == 0

    # The engine's copy has DuckDB's columns, types and values, drift column included.
    order = "order by _batch_id, _row_number"
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        expected = con.sql(f"select * from raw.fx_rates {order}").to_arrow_table()
    columns = ", ".join(client.quote(name) for name in expected.column_names)
    got = client.fetch_arrow(f"select {columns} from {client.quote('raw', 'fx_rates')} {order}")
    assert got.equals(expected)
    assert expected.column_names == [
        "currency",
        "rate_date",
        "usd_per_unit",
        "_file_name",
        "_row_number",
        "_loaded_at",
        "_batch_id",
        "source",
    ]


def test_an_unreachable_engine_is_one_line_naming_it(tmp_path: Path):
    from dataclasses import replace

    from foundation.settings import PostgresSettings
    from tests.engines.servers import free_port

    settings = replace(
        base_settings(tmp_path),
        engine="postgres",
        postgres=PostgresSettings(host="127.0.0.1", port=free_port()),
    )
    with pytest.raises(ShipError) as raised:
        ship_raw(settings)
    message = str(raised.value)
    assert message.startswith(f"shipping raw to postgres at 127.0.0.1:{settings.postgres.port}")
    assert "refused" in message
    assert "\n" not in message
