"""Each engine client against its real server: every type the pipeline moves goes in with
`write_arrow` and comes back from `fetch_arrow` unchanged; appends and replacements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from foundation.engines import EngineClient, EngineError, open_engine
from tests.engines.conftest import base_settings

# One row per case: ordinary values, edge values, nulls. The round trip must give back
# exactly this table, so the expected values are the inputs themselves.
SAMPLE = pa.table(
    {
        "id": pa.array([1, 2, 3], pa.int32()),
        "amount": pa.array(
            [Decimal("12345678901234.5678"), Decimal("-0.0001"), None], pa.decimal128(18, 4)
        ),
        "ratio": pa.array(
            [Decimal("1234567890123456789012345678.0123456789"), Decimal("0E-10"), None],
            pa.decimal128(38, 10),
        ),
        "day": pa.array([date(2024, 2, 29), date(1999, 12, 31), None]),
        "at": pa.array(
            [
                datetime(2024, 3, 31, 1, 30, 0, 123456, tzinfo=UTC),
                datetime(1970, 1, 1, tzinfo=UTC),
                None,
            ],
            pa.timestamp("us", tz="UTC"),
        ),
        "local_at": pa.array(
            [datetime(2025, 12, 31, 23, 59, 59, 999999), datetime(2000, 1, 1), None],
            pa.timestamp("us"),
        ),
        "flag": pa.array([True, False, None]),
        # 0.1 + 0.2 is 0.30000000000000004: its shortest exact text has 17 digits.
        "score": pa.array([0.1 + 0.2, -1.5e-300, None], pa.float64()),
        "big": pa.array([9007199254740993, -1, None], pa.int64()),
        "name": pa.array(['O\'Brien, "Jr"\nline 2 é', "", None], pa.string()),
    }
)


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by("id")


@pytest.fixture(params=["duckdb", "postgres", "spark_session", "spark_thrift"])
def client(request, tmp_path: Path) -> Iterator[EngineClient]:
    base = base_settings(tmp_path)
    if request.param == "duckdb":
        with open_engine(base) as opened:
            yield opened
    elif request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        with open_engine(server.settings(base)) as opened:
            yield opened
    elif request.param == "spark_session":
        yield request.getfixturevalue("spark_session_client")
    else:
        server = request.getfixturevalue("thrift_server")
        with open_engine(server.settings(base)) as opened:
            yield opened


def test_every_type_round_trips_and_appends_and_replaces(client: EngineClient):
    target = client.quote("roundtrip", "sample")
    client.write_arrow("roundtrip", "sample", SAMPLE)
    back = client.fetch_arrow(f"select * from {target}")
    assert back.schema == SAMPLE.schema
    assert _sorted(back).equals(SAMPLE)

    client.write_arrow("roundtrip", "sample", SAMPLE.slice(0, 1), replace=False)
    appended = client.fetch_arrow(f"select id from {target}")
    assert sorted(appended.column("id").to_pylist()) == [1, 1, 2, 3]

    client.write_arrow("roundtrip", "sample", SAMPLE.slice(2, 1))
    replaced = client.fetch_arrow(f"select * from {target}")
    assert replaced.equals(SAMPLE.slice(2, 1))
    assert client.tables("roundtrip") == ["sample"]


def test_an_empty_result_keeps_its_columns_and_types(client: EngineClient):
    client.write_arrow("roundtrip", "empty", SAMPLE)
    empty = client.fetch_arrow(f"select * from {client.quote('roundtrip', 'empty')} where id < 0")
    assert empty.num_rows == 0
    assert empty.schema == SAMPLE.schema


def test_tables_lists_tables_not_views_and_nothing_for_a_missing_schema(client: EngineClient):
    client.write_arrow("listing", "b_table", SAMPLE.select(["id"]))
    client.write_arrow("listing", "a_table", SAMPLE.select(["id"]))
    client.execute(
        f"create view {client.quote('listing', 'a_view')} as "
        f"select * from {client.quote('listing', 'a_table')}"
    )
    assert client.tables("listing") == ["a_table", "b_table"]
    assert client.tables("no_such_schema") == []


def test_batches_are_replaced_whole_and_new_columns_added(client: EngineClient):
    columns = pa.schema([("id", pa.int32()), ("_batch_id", pa.string())])

    def batch(ids: list[int], batch_id: str, schema: pa.Schema = columns) -> pa.RecordBatchReader:
        data = {"id": pa.array(ids, pa.int32()), "_batch_id": [batch_id] * len(ids)}
        if "drift" in schema.names:
            data["drift"] = [f"d{i}" for i in ids]
        return pa.Table.from_pydict(data, schema).to_reader()

    assert client.ensure_table("rawtest", "things", columns, batch_column="_batch_id") is True
    assert client.ensure_table("rawtest", "things", columns, batch_column="_batch_id") is False
    assert client.replace_batch("rawtest", "things", "_batch_id", "b/1", batch([1, 2], "b/1")) == 2
    assert client.replace_batch("rawtest", "things", "_batch_id", "b'2", batch([3], "b'2")) == 1
    # The same batch again replaces its rows: 1 and 2 are gone, 4 is in.
    client.replace_batch("rawtest", "things", "_batch_id", "b/1", batch([4], "b/1"))
    with_drift = columns.append(pa.field("drift", pa.string()))
    client.ensure_table("rawtest", "things", with_drift, batch_column="_batch_id")
    client.replace_batch("rawtest", "things", "_batch_id", "b3", batch([5], "b3", with_drift))
    rows = client.fetch_arrow(
        f"select id, _batch_id, drift from {client.quote('rawtest', 'things')} order by id"
    ).to_pylist()
    assert rows == [
        {"id": 3, "_batch_id": "b'2", "drift": None},
        {"id": 4, "_batch_id": "b/1", "drift": None},
        {"id": 5, "_batch_id": "b3", "drift": "d5"},
    ]


def test_an_engine_error_is_one_line_naming_the_engine(client: EngineClient):
    with pytest.raises(EngineError) as raised:
        client.fetch_arrow(f"select * from {client.quote('roundtrip', 'no_such_table')}")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(client.name)
