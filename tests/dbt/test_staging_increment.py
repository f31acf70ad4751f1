"""Staging models are incremental tables (dbt_project/macros/staging_increment.sql): a
build after new raw versions re-ranks only the keys that changed, and the tables then
equal a full refresh of the same raw rows, row for row.

The versions are written into raw by hand, each a case of the contract's "Versions and
deletes" rule (docs/landing-contract.md): a later version, a delete, a version older than
the current one, a tie on updated_at in a later file, a new key, a deleted key brought
back, a delete older than the current version, and restated rows of the reference
entities (no updated_at; a composite key, one with a timestamp in it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from foundation.settings import Settings
from ingestion.loader import load_landing
from tests.dbt_runs import run_dbt
from tests.reliability.harness import differences

STAGING = ["--select", "staging"]
VERSIONED = ("invoices", "payments")


def _restated(con, table: str, where: str, params: list, changes: str, batch: str) -> None:
    """Insert a copy of the current raw row of `table` matching `where` (the latest version;
    for reference entities, the later file, then row) with `changes` (a `replace` list), as
    the next row of the file `<table>/zz-<batch>.csv` (after every landed file in byte
    order, so it wins a tie), loaded now."""
    order = (
        "updated_at desc, " if table in VERSIONED else ""
    ) + "_file_name desc, _row_number desc"
    file = f"{table}/zz-{batch}.csv"
    row = f"(select count(*) + 1 from raw.{table} where _file_name = '{file}')"
    con.execute(
        f"insert into raw.{table} select * replace ({changes}, '{file}' as _file_name,"
        f" {row} as _row_number, now() as _loaded_at, '{batch}' as _batch_id)"
        f" from raw.{table} where {where}"
        f" qualify row_number() over (order by {order}) = 1",
        params,
    )


def _staging(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _build(warehouse: Path, target: Path, *extra: str) -> None:
    done = run_dbt(["run", *STAGING, *extra], warehouse, target)
    assert done.returncode == 0, done.stdout[-3000:]


def _equals_a_full_refresh(warehouse: Path, tmp_path: Path, label: str) -> None:
    full = tmp_path / label / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    _build(full, tmp_path / f"{label}-target", "--full-refresh")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'staging' and table_type = 'BASE TABLE'"
        ).fetchone()[0]
    assert tables > 10, tables
    assert differences(warehouse, full, "staging") == {}


def test_an_incremental_staging_build_equals_a_full_refresh(tmp_path, small_company):
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    load_landing(Settings(landing=small_company, warehouse=warehouse))
    _build(warehouse, tmp_path / "first")
    with duckdb.connect(str(warehouse)) as con:
        invoices = [
            row[0]
            for row in _staging(
                con,
                "select invoice_id from staging.stg_invoices where invoice_status = 'paid'"
                " order by invoice_id limit 6",
            )
        ]
        later, deleted, older, tie, copied, kept = invoices
        (payment,) = _staging(con, "select payment_id from staging.stg_payments limit 1")[0]
        usage = _staging(
            con,
            "select account_id, product_id, month, active_users from staging.stg_product_usage"
            " order by all limit 1",
        )[0]
        forecast = _staging(
            con,
            "select owner_rep_id, submitted_at, commit_amount_usd"
            " from staging.stg_forecast_submissions order by all limit 1",
        )[0]
        # Batch 1: each invoice case once, a deleted payment, a restated usage row (a
        # composite key) and a restated forecast (a timestamp in the key).
        invoice = "invoice_id = ?"
        _restated(
            con,
            "invoices",
            invoice,
            [later],
            "'void' as status, updated_at + interval 1 day as updated_at",
            "b1",
        )
        _restated(
            con,
            "invoices",
            invoice,
            [deleted],
            "true as is_deleted, updated_at + interval 1 day as updated_at",
            "b1",
        )
        _restated(
            con,
            "invoices",
            invoice,
            [older],
            "'open' as status, updated_at - interval 30 day as updated_at",
            "b1",
        )
        _restated(con, "invoices", invoice, [tie], "'open' as status", "b1")
        _restated(con, "invoices", invoice, [copied], f"'{copied}-new' as invoice_id", "b1")
        _restated(
            con,
            "payments",
            "payment_id = ?",
            [payment],
            "true as is_deleted, updated_at + interval 1 day as updated_at",
            "b1",
        )
        _restated(
            con,
            "product_usage",
            "account_id = ? and product_id = ? and month = ?",
            list(usage[:3]),
            "active_users + 1 as active_users",
            "b1",
        )
        _restated(
            con,
            "forecast_submissions",
            "owner_rep_id = ? and submitted_at = ?::timestamp at time zone 'UTC'",
            list(forecast[:2]),
            "commit_amount_usd + 5 as commit_amount_usd",
            "b1",
        )
    _build(warehouse, tmp_path / "second")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(
            _staging(
                con,
                "select invoice_id, invoice_status from staging.stg_invoices"
                " where invoice_id in (?, ?, ?, ?, ?, ?)",
                later,
                deleted,
                older,
                tie,
                f"{copied}-new",
                copied,
            )
        )
        # All six were paid. later: its later version (void); deleted: gone; older: paid
        # stays (the open version is 30 days older); tie: the same updated_at, the later
        # file wins (open); the new key and the one it was copied from: both paid.
        assert statuses == {
            later: "void",
            older: "paid",
            tie: "open",
            f"{copied}-new": "paid",
            copied: "paid",
        }
        assert (
            _staging(con, "select * from staging.stg_payments where payment_id = ?", payment) == []
        )
        # product_usage: the later file's row wins: one more active user.
        assert _staging(
            con,
            "select active_users from staging.stg_product_usage"
            " where account_id = ? and product_id = ? and month = ?",
            *usage[:3],
        ) == [(usage[3] + 1,)]
        assert _staging(
            con,
            "select commit_amount_usd from staging.stg_forecast_submissions"
            " where owner_rep_id = ? and submitted_at = ?",
            forecast[0],
            forecast[1],
        ) == [(forecast[2] + 5,)]
    _equals_a_full_refresh(warehouse, tmp_path, "after-b1")

    with duckdb.connect(str(warehouse)) as con:
        # Batch 2: the deleted invoice comes back with a later version; a delete older
        # than the current version of `kept` loses.
        _restated(
            con,
            "invoices",
            "invoice_id = ?",
            [deleted],
            "false as is_deleted, 'open' as status, updated_at + interval 1 day as updated_at",
            "b2",
        )
        _restated(
            con,
            "invoices",
            "invoice_id = ?",
            [kept],
            "true as is_deleted, updated_at - interval 1 day as updated_at",
            "b2",
        )
    _build(warehouse, tmp_path / "third")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert dict(
            _staging(
                con,
                "select invoice_id, invoice_status from staging.stg_invoices"
                " where invoice_id in (?, ?)",
                deleted,
                kept,
            )
        ) == {deleted: "open", kept: "paid"}
    _equals_a_full_refresh(warehouse, tmp_path, "after-b2")
