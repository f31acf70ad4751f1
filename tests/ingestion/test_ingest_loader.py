"""The loader on hand-made landing folders: formats, quarantine, drift, rejections, idempotency."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from foundation.contract import ENTITIES, REASON_BY_CODE
from foundation.settings import Settings
from ingestion.audit import reconcile
from ingestion.loader import (
    LoadError,
    WarehouseLocked,
    check_reconciled,
    load_entity,
    load_landing,
)
from tests.ingestion.ingest_helpers import counts, query, warehouse_db, write_csv

PAYMENT_HEADER = [
    "payment_id",
    "invoice_id",
    "account_id",
    "amount",
    "currency",
    "received_at",
    "method",
    "status",
    "updated_at",
    "is_deleted",
]
ACCOUNT_HEADER = [
    "account_id",
    "name",
    "email",
    "industry",
    "segment",
    "country",
    "owner_rep_id",
    "acquisition_channel",
    "created_at",
    "updated_at",
    "is_deleted",
]


def payment_rows(suffix: str) -> list[list[object]]:
    return [
        [f"pay_1{suffix}", "inv_1", "acc_1", "100.25", "EUR", "2024-03-01T10:00:00Z", "card",
         "succeeded", "2024-03-01 10:00:00", "false"],
        [f"pay_2{suffix}", "inv_1", None, "50", "EUR", "2024-03-02T12:00:00+02:00", "wire",
         "refunded", "2024-03-02T12:00:00+02:00", "YES"],
    ]  # fmt: skip


def account_row(account_id: str, **overrides: object) -> list[object]:
    row = {
        "account_id": account_id,
        "name": f"Name {account_id}",
        "email": f"{account_id}@example.com",
        "industry": "software",
        "segment": "smb",
        "country": "US",
        "owner_rep_id": "rep_1",
        "acquisition_channel": "inbound",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "is_deleted": "false",
    }
    row.update(overrides)
    return [row[c] for c in ACCOUNT_HEADER]


def write_payments_all_formats(landing: Path) -> None:
    folder = landing / "payments"
    write_csv(folder / "a.csv", PAYMENT_HEADER, payment_rows("_csv"))
    write_csv(folder / "b.csv.gz", PAYMENT_HEADER, payment_rows("_gz"))
    # Parquet with real types: decimal, timestamptz, boolean (cast to text, then validated).
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        f"""
        copy (
            select * from (values
                ('pay_1_pq', 'inv_1', 'acc_1', 100.25::decimal(18, 4), 'EUR',
                 timestamptz '2024-03-01 10:00:00+00', 'card', 'succeeded',
                 timestamp '2024-03-01 10:00:00', false),
                ('pay_2_pq', 'inv_1', null, 50::decimal(18, 4), 'EUR',
                 timestamptz '2024-03-02 12:00:00+02', 'wire', 'refunded',
                 timestamp '2024-03-02 10:00:00', true)
            ) as t({", ".join(PAYMENT_HEADER)})
        ) to '{folder / "c.parquet"}' (format parquet)
        """
    )
    con.close()
    json_rows = [
        {"payment_id": "pay_1{}", "invoice_id": "inv_1", "account_id": "acc_1", "amount": 100.25,
         "currency": "EUR", "received_at": "2024-03-01T10:00:00Z", "method": "card",
         "status": "succeeded", "updated_at": "2024-03-01 10:00:00", "is_deleted": False},
        {"payment_id": "pay_2{}", "invoice_id": "inv_1", "account_id": None, "amount": 50,
         "currency": "EUR", "received_at": "2024-03-02T12:00:00+02:00", "method": "wire",
         "status": "refunded", "updated_at": "2024-03-02T12:00:00+02:00", "is_deleted": True},
    ]  # fmt: skip

    def rows_for(suffix: str) -> list[dict]:
        return [{**r, "payment_id": r["payment_id"].format(suffix)} for r in json_rows]

    (folder / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows_for("_jl")) + "\n")
    (folder / "e.json").write_text(json.dumps(rows_for("_js"), indent=1))


def test_every_format_loads_typed_rows_with_lineage(landing: Path, warehouse: Path) -> None:
    write_payments_all_formats(landing)
    (landing / "payments" / "notes.txt").write_text("not a landing file")

    result = load_entity(Settings(landing, warehouse), "payments", batch_id="b1")

    # 5 files (csv, csv.gz, parquet, jsonl, json) x 2 rows; notes.txt is ignored and said so.
    assert (result.files_seen, result.files_loaded, result.files_rejected) == (5, 5, 0)
    assert (result.rows_loaded, result.rows_quarantined) == (10, 0)
    assert any("notes.txt" in m and "ignored" in m for m in result.messages)
    rows = query(
        warehouse,
        "select _file_name, _row_number, payment_id, account_id, amount, received_at, "
        "updated_at, is_deleted, _batch_id from raw.payments order by _file_name, _row_number",
    )
    utc = UTC
    first_received = datetime(2024, 3, 1, 10, 0, tzinfo=utc)
    # 12:00 at +02:00 is 10:00 UTC; a timestamp without zone is UTC.
    second_received = datetime(2024, 3, 2, 10, 0, tzinfo=utc)
    suffixes = {"a.csv": "_csv", "b.csv.gz": "_gz", "c.parquet": "_pq", "d.jsonl": "_jl",
                "e.json": "_js"}  # fmt: skip
    expected = []
    for name, suffix in suffixes.items():
        expected.append(
            (f"payments/{name}", 1, f"pay_1{suffix}", "acc_1", Decimal("100.2500"),
             first_received, first_received, False, "b1")
        )  # fmt: skip
        expected.append(
            (f"payments/{name}", 2, f"pay_2{suffix}", None, Decimal("50.0000"),
             second_received, second_received, True, "b1")
        )  # fmt: skip
    assert [(*r[:5], r[5].astimezone(utc), r[6].astimezone(utc), *r[7:]) for r in rows] == expected
    files = query(
        warehouse,
        "select file_name, file_format, status, rows_in_file, rows_loaded, rows_quarantined, "
        "length(content_hash) from audit.load_files order by file_name",
    )
    assert files == [
        (f"payments/{n}", f, "loaded", 2, 2, 0, 64)
        for n, f in [("a.csv", "csv"), ("b.csv.gz", "csv"), ("c.parquet", "parquet"),
                     ("d.jsonl", "jsonl"), ("e.json", "json")]
    ]  # fmt: skip
    types = dict(
        query(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'payments'",
        )
    )
    assert types["amount"] == "DECIMAL(18,4)"
    assert types["received_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["is_deleted"] == "BOOLEAN"
    assert types["_row_number"] == "BIGINT"


def test_csv_quoting_bom_and_multiline_fields_keep_row_numbers(
    landing: Path, warehouse: Path
) -> None:
    path = write_csv(
        landing / "accounts" / "a.csv",
        ACCOUNT_HEADER,
        [
            account_row("acc_1", name='Acme, "Inc."\nsecond line'),
            account_row("acc_2"),
            account_row("acc_3", segment="huge"),
        ],
    )
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a BOM is tolerated

    result = load_entity(Settings(landing, warehouse), "accounts")

    # Row numbers count data records, not lines: acc_1 spans two lines, acc_2 is still row 2.
    assert query(warehouse, "select account_id, name, _row_number from raw.accounts") == [
        ("acc_1", 'Acme, "Inc."\nsecond line', 1),
        ("acc_2", "Name acc_2", 2),
    ]
    assert query(warehouse, "select row_number, reason_code from audit.quarantine") == [
        (3, "unknown_enum")
    ]
    assert result.rows_in_files == 3


# Hand-made bad rows of every invalid kind: (entity, header, rows, expected quarantine
# as {row_number: (reason_code, column)}). Rows not listed are good and must reach raw.
PRODUCT_HEADER = ["product_id", "sku", "name", "family", "pricing_model",
                  "billing_interval_months", "list_price", "currency", "is_active",
                  "updated_at", "is_deleted"]  # fmt: skip
QUOTE_HEADER = ["quote_id", "account_id", "owner_rep_id", "quote_type", "status", "currency",
                "created_at", "sent_at", "decided_at", "contract_start_date", "term_months",
                "updated_at", "is_deleted"]  # fmt: skip
T = "2024-01-01T00:00:00Z"
ACC, REP, REC = "acc_1", "rep_1", "recurring"
BAD_ROW_CASES = [
    (
        "products",
        PRODUCT_HEADER,
        [
            ["prd_1", "S1", "Platform", "platform", REC, "12", "99.5", "USD", "true", T, "false"],
            ["prd_2", "S2", "Seats", None, "subscription", "1", "10", "USD", "true", T, "false"],
            ["prd_3", "S3", "Seats", "add_on", REC, "2", "10", "USD", "true", T, "false"],
            ["prd_4", "S4", "Seats", "add_on", REC, "1.5", "10", "USD", "true", T, "false"],
            ["prd_5", "S5", "Seats", "add_on", REC, "1", "-1", "USD", "true", T, "false"],
            ["prd_6", "S6", "Seats", "add_on", REC, "1", "10", "USD", "maybe", T, "false"],
            ["prd_7", "S7", "   ", "add_on", REC, "1", "10", "USD", "true", T, "false"],
            ["prd_8", "S8", "Seats", "add_on", REC, "1", "10", "usd", "true", T, "false"],
            ["prd_9", "S9", "Seats", "add_on", REC, "1", "10", "USD", "true", "yesterday", "0"],
            ["prd_10", "S10", "Setup", "services", "one_time", None, "0", "USD", "No", T, "1"],
            ["prd_11", "S11", "Big", "services", "one_time", None, "12345678901234567.5", "USD",
             "yes", T, "no"],
        ],
        {
            2: ("unknown_enum", "pricing_model"),
            3: ("unknown_enum", "billing_interval_months"),
            4: ("unparseable", "billing_interval_months"),
            5: ("out_of_range", "list_price"),
            6: ("unparseable", "is_active"),
            7: ("missing_required", "name"),
            8: ("unparseable", "currency"),
            9: ("unparseable", "updated_at"),
            11: ("unparseable", "list_price"),
        },
    ),
    (
        "accounts",
        ACCOUNT_HEADER,
        [
            account_row("acc_1"),
            account_row("acc_2", country="USA"),
            account_row("acc_3", segment="huge"),
            account_row("acc_4", created_at=None),
            account_row("acc_5", country=None, segment=None, is_deleted=None),
        ],
        {
            2: ("unparseable", "country"),
            3: ("unknown_enum", "segment"),
            4: ("missing_required", "created_at"),
        },
    ),
    (
        "quotes",
        QUOTE_HEADER,
        [
            ["q1", ACC, REP, "new", "accepted", "EUR", T, T, T, "2024-02-01", "12", T, None],
            ["q2", ACC, REP, "new", "accepted", "EUR", T, T, T, "2024-02-01", None, T, None],
            ["q3", ACC, REP, "new", "rejected", "EUR", T, T, None, None, None, T, None],
            ["q4", ACC, REP, "new", "accepted", "EUR", T, T, T, None, "12", T, None],
            ["q5", ACC, REP, "new", "sent", "EUR", T, T, None, None, "0", T, None],
            ["q6", ACC, REP, "new", "accepted", "EUR", T, T, T, "2024-02-30", "12", T, None],
            ["q7", "acc_1", None, None, "draft", "EUR", T, None, None, None, None, T, None],
            # Two defects: the first in contract column order wins (currency before the rules).
            ["q8", ACC, REP, "new", "accepted", "eur", T, T, T, None, None, T, None],
            ["q9", "acc_1", "rep_1", "upsell", "draft", "EUR", T, None, None, None, None, T, None],
        ],
        {
            2: ("required_when", "term_months"),
            3: ("required_when", "decided_at"),
            4: ("required_when", "contract_start_date"),
            5: ("out_of_range", "term_months"),
            6: ("unparseable", "contract_start_date"),
            8: ("unparseable", "currency"),
            9: ("unknown_enum", "quote_type"),
        },
    ),
    (
        "quote_lines",
        ["quote_line_id", "quote_id", "product_id", "quantity", "unit_price", "discount_pct",
         "updated_at", "is_deleted"],
        [
            ["ql1", "q1", "prd_1", "3", "10.5", "99.99", T, None],
            ["ql2", "q1", "prd_1", "0", "10.5", None, T, None],
            ["ql3", "q1", "prd_1", "1", "10.5", "100", T, None],
            ["ql4", "q1", "prd_1", "1", "-0.01", "0", T, None],
            ["ql5", None, "prd_1", "1", "1", "0", T, None],
        ],
        {
            2: ("out_of_range", "quantity"),
            3: ("out_of_range", "discount_pct"),
            4: ("out_of_range", "unit_price"),
            5: ("missing_required", "quote_id"),
        },
    ),
    (
        "invoices",
        ["invoice_id", "invoice_number", "account_id", "quote_id", "status", "currency",
         "issued_at", "due_at", "total_amount", "updated_at", "is_deleted"],
        [
            ["i1", "N1", "acc_1", "q1", "open", "EUR", "2024-02-01", "2024-03-02", "315", T, None],
            ["i2", "N2", "acc_1", "q1", "open", "EUR", None, None, "315", T, None],
            ["i3", "N3", "acc_1", "q1", "open", "EUR", "2024-02-01", "2024-01-31", "315", T, None],
            ["i4", "N4", "acc_1", None, "draft", "EUR", None, None, "0", T, None],
            ["i5", "N5", "acc_1", None, "pending", "EUR", None, None, "0", T, None],
        ],
        {
            2: ("required_when", "issued_at"),
            3: ("out_of_range", "due_at"),
            5: ("unknown_enum", "status"),
        },
    ),
    (
        "invoice_lines",
        ["invoice_line_id", "invoice_id", "product_id", "description", "quantity",
         "unit_amount", "amount", "period_start", "period_end", "updated_at", "is_deleted"],
        [
            ["il1", "i1", "prd_1", "Seats", "3", "105", "315", "2024-02-01", "2024-03-01", T, None],
            ["il2", "i1", "prd_1", "Seats", "3", "105", "315", "2024-02-01", "2024-02-01", T, None],
            ["il3", "i1", "prd_1", "Credit", None, None, "-20", None, None, T, None],
        ],
        {2: ("out_of_range", "period_end")},
    ),
    (
        "payments",
        PAYMENT_HEADER,
        [
            ["p1", "i1", "acc_1", "10", "EUR", T, "card", "succeeded", T, None],
            ["p2", "i1", "acc_1", "10", "EUR", T, "cash", "succeeded", T, None],
            ["p3", "i1", "acc_1", "10", "EUR", T, "card", "pending", T, None],
            ["p4", "i1", "acc_1", "0", "EUR", T, "card", "failed", T, None],
            ["p5", "i1", "acc_1", "10", "EUR", None, "card", "failed", T, None],
        ],
        {
            2: ("unknown_enum", "method"),
            3: ("unknown_enum", "status"),
            4: ("out_of_range", "amount"),
            5: ("missing_required", "received_at"),
        },
    ),
    (
        "fx_rates",
        ["currency", "rate_date", "usd_per_unit"],
        [
            ["EUR", "2024-01-01", "1.0812"],
            ["EUR", "2024-01-02", "0"],
            ["EURO", "2024-01-02", "1.1"],
            ["GBP", "01/02/2024", "1.27"],
        ],
        {
            2: ("out_of_range", "usd_per_unit"),
            3: ("unparseable", "currency"),
            4: ("unparseable", "rate_date"),
        },
    ),
    (
        "sales_targets",
        ["owner_rep_id", "month", "target_amount_usd"],
        [["rep_1", "2024-01-01", "50000"], ["rep_1", "2024-01-15", "50000"]],
        {2: ("out_of_range", "month")},
    ),
    (
        "marketing_spend",
        ["month", "channel", "amount_usd"],
        [["2024-01-01", "inbound", "1200.50"], ["2024-01-01", None, "10"],
         ["2024-02-01", "inbound", "1,200"]],
        {2: ("missing_required", "channel"), 3: ("unparseable", "amount_usd")},
    ),
]  # fmt: skip


def test_invalid_rows_are_quarantined_with_exact_reason_and_row(
    landing: Path, warehouse: Path
) -> None:
    for entity, header, rows, _ in BAD_ROW_CASES:
        write_csv(landing / entity / "batch_1.csv", header, rows)

    results = {r.entity: r for r in load_landing(Settings(landing, warehouse), batch_id="b1")}

    quarantined = query(
        warehouse,
        "select entity, file_name, row_number, reason_code, column_name from audit.quarantine",
    )
    expected = {
        (entity, f"{entity}/batch_1.csv", row, code, column)
        for entity, _, _, bad in BAD_ROW_CASES
        for row, (code, column) in bad.items()
    }
    assert set(quarantined) == expected
    assert len(quarantined) == len(expected)
    for entity, _, rows, bad in BAD_ROW_CASES:
        good = [i for i in range(1, len(rows) + 1) if i not in bad]
        loaded = query(warehouse, f"select _row_number from raw.{entity} order by 1")
        assert [r[0] for r in loaded] == good, entity
        assert results[entity].rows_quarantined == len(bad)
        assert results[entity].rows_loaded == len(good)
    # Every code used is a contract reason code.
    assert {q[3] for q in quarantined} <= set(REASON_BY_CODE)


def test_quarantine_reason_names_column_and_value_and_keeps_the_record(
    landing: Path, warehouse: Path
) -> None:
    for entity, header, rows, _ in BAD_ROW_CASES:
        if entity in ("products", "quotes"):
            write_csv(landing / entity / "batch_1.csv", header, rows)
    load_landing(Settings(landing, warehouse), ["products", "quotes"], batch_id="b7")

    reason, record, batch = query(
        warehouse,
        "select reason, record, batch_id from audit.quarantine "
        "where file_name = 'products/batch_1.csv' and row_number = 5",
    )[0]
    assert reason == 'out_of_range: column list_price value "-1" must be >= 0'
    assert json.loads(record) == dict(zip(PRODUCT_HEADER, BAD_ROW_CASES[0][2][4], strict=True))
    assert batch == "b7"
    reason = query(
        warehouse,
        "select reason from audit.quarantine where file_name = 'quotes/batch_1.csv' "
        "and row_number = 2",
    )[0][0]
    assert reason.startswith("required_when: column term_months value null is required")
    assert "accepted" in reason


def test_bool_timestamp_and_decimal_parsing(landing: Path, warehouse: Path) -> None:
    write_csv(
        landing / "products" / "p.csv",
        PRODUCT_HEADER,
        [
            ["a", None, "A", None, "recurring", "1", "1.5", "USD", "TRUE", "2024-05-01", "no"],
            ["b", None, "B", None, "recurring", "3", "99999999999999.9999", "USD", "Yes",
             "2024-05-01T23:30:00-01:00", "0"],
            ["c", None, "C", None, "one_time", None, "0.12345", "USD", "false",
             "2024-05-01 08:00:00", "1"],
        ],
    )  # fmt: skip
    load_entity(Settings(landing, warehouse), "products")
    rows = query(
        warehouse,
        "select product_id, billing_interval_months, list_price, is_active, is_deleted, "
        "strftime(updated_at at time zone 'UTC', '%Y-%m-%d %H:%M') from raw.products order by 1",
    )
    assert rows == [
        ("a", 1, Decimal("1.5000"), True, False, "2024-05-01 00:00"),
        # 23:30 at -01:00 is 00:30 the next day in UTC; 14 digits + 4 after the point fit.
        ("b", 3, Decimal("99999999999999.9999"), True, False, "2024-05-02 00:30"),
        # A fifth decimal is rounded to the contract's 4 places; no zone = UTC.
        ("c", None, Decimal("0.1235"), False, True, "2024-05-01 08:00"),
    ]


def test_drift_columns_are_kept_and_reported(landing: Path, warehouse: Path) -> None:
    header = [*ACCOUNT_HEADER, "Tier"]
    write_csv(landing / "accounts" / "a.csv", header, [[*account_row("acc_1"), "gold"]])
    write_csv(landing / "accounts" / "b.csv", ACCOUNT_HEADER, [account_row("acc_2")])

    result = load_entity(Settings(landing, warehouse), "accounts")

    assert result.drift_columns == ["tier"]
    assert any("tier" in m for m in result.messages)
    assert result.as_metadata()["drift_columns"] == "tier"
    assert query(warehouse, "select account_id, tier from raw.accounts order by 1") == [
        ("acc_1", "gold"),
        ("acc_2", None),
    ]
    assert query(
        warehouse, "select file_name, drift_columns, message from audit.load_files order by 1"
    ) == [
        ("accounts/a.csv", "tier", "schema drift: extra columns tier kept as text"),
        ("accounts/b.csv", None, None),
    ]


def test_bad_files_are_rejected_with_file_and_line_and_others_still_load(
    landing: Path, warehouse: Path
) -> None:
    folder = landing / "accounts"
    write_csv(folder / "a_good.csv", ACCOUNT_HEADER, [account_row("acc_1")])
    write_csv(
        folder / "b_missing.csv",
        [c for c in ACCOUNT_HEADER if c != "updated_at"],
        [[v for c, v in zip(ACCOUNT_HEADER, account_row("acc_2"), strict=True)
          if c != "updated_at"]],
    )  # fmt: skip
    good_line = ",".join(str(v) for v in account_row("acc_3")).encode()
    latin1 = ",".join(str(v) for v in account_row("acc_4", name="Café")).encode("latin-1")
    header = ",".join(ACCOUNT_HEADER).encode()
    (folder / "c_encoding.csv").write_bytes(b"\n".join([header, good_line, latin1]) + b"\n")
    broken = good_line.replace(b"Name acc_3", b'"Name acc_3')
    (folder / "d_malformed.csv").write_bytes(
        b"\n".join([header, good_line, broken, good_line]) + b"\n"
    )
    (folder / "e_corrupt.parquet").write_bytes(b"PAR1 this is not parquet")
    (folder / "f_broken.jsonl").write_text('{"account_id": "acc_9", "name": \n')
    (folder / "g_empty.csv").write_bytes(b"")

    result = load_entity(Settings(landing, warehouse), "accounts")

    assert (result.files_seen, result.files_loaded, result.files_rejected) == (7, 1, 6)
    assert query(warehouse, "select account_id from raw.accounts") == [("acc_1",)]
    rows = dict(
        query(
            warehouse,
            "select file_name, message from audit.load_files where status = 'rejected'",
        )
    )
    missing = rows["accounts/b_missing.csv"]
    assert "missing required column updated_at" in missing and "line 1" in missing
    encoding = rows["accounts/c_encoding.csv"]
    # The latin-1 row is the third line of the file (header = line 1).
    assert "Line: 3" in encoding and "utf-8" in encoding.lower()
    malformed = rows["accounts/d_malformed.csv"]
    assert "Line: 3" in malformed and "unterminated quote" in malformed
    assert "accounts/e_corrupt.parquet" in rows["accounts/e_corrupt.parquet"]
    assert "accounts/f_broken.jsonl" in rows["accounts/f_broken.jsonl"]
    assert "empty" in rows["accounts/g_empty.csv"]
    for name, message in rows.items():
        assert message.startswith(name + ":"), message
        assert "\n" not in message
    assert query(
        warehouse,
        "select count(*) from audit.load_files where status = 'rejected' "
        "and rows_loaded = 0 and rows_quarantined = 0 and rows_in_file is null",
    ) == [(6,)]
    # Rejected files are not retried while their content is the same...
    again = load_entity(Settings(landing, warehouse), "accounts")
    assert (again.files_skipped, again.files_rejected, again.files_loaded) == (7, 0, 0)
    # ...and a corrected file (new content) is loaded, with a note that it changed.
    write_csv(folder / "b_missing.csv", ACCOUNT_HEADER, [account_row("acc_2")])
    fixed = load_entity(Settings(landing, warehouse), "accounts")
    assert (fixed.files_loaded, fixed.files_skipped, fixed.rows_loaded) == (1, 6, 1)
    assert any(m.startswith("accounts/b_missing.csv: changed since") for m in fixed.messages)


def write_company(landing: Path) -> None:
    for entity, header, rows, _ in BAD_ROW_CASES:
        write_csv(landing / entity / "2024-01.csv", header, rows)
    (landing / "_manifest").mkdir()
    write_csv(landing / "_manifest" / "bad_rows.csv", ["entity"], [["x"]])
    (landing / "not_an_entity").mkdir()
    write_csv(landing / "not_an_entity" / "x.csv", ["a"], [["1"]])


def test_second_run_changes_no_count_and_new_files_are_picked_up(
    landing: Path, warehouse: Path
) -> None:
    write_company(landing)
    first = load_landing(Settings(landing, warehouse))
    before = counts(warehouse)

    second = load_landing(Settings(landing, warehouse))

    assert counts(warehouse) == before
    assert sum(r.files_loaded for r in second) == 0
    assert sum(r.files_skipped for r in second) == sum(r.files_seen for r in first) == 10
    assert sum(r.rows_loaded + r.rows_quarantined for r in second) == 0
    # Folders that are not entities were never tables.
    assert not [t for t in before if "manifest" in t or "not_an_entity" in t]

    # A new file is picked up by the next run; an identical copy under another name is not.
    write_csv(landing / "accounts" / "2024-02.csv", ACCOUNT_HEADER,
              [account_row("acc_10"), account_row("acc_11", segment="x")])  # fmt: skip
    (landing / "fx_rates" / "copy.csv").write_bytes(
        (landing / "fx_rates" / "2024-01.csv").read_bytes()
    )
    third = {r.entity: r for r in load_landing(Settings(landing, warehouse))}
    after = counts(warehouse)
    assert (third["accounts"].files_loaded, third["accounts"].rows_loaded) == (1, 1)
    assert third["accounts"].rows_quarantined == 1
    assert (third["fx_rates"].files_skipped, third["fx_rates"].files_loaded) == (2, 0)
    assert after["raw.accounts"] == before["raw.accounts"] + 1
    assert after["audit.quarantine"] == before["audit.quarantine"] + 1
    assert after["audit.load_files"] == before["audit.load_files"] + 1
    assert after["raw.fx_rates"] == before["raw.fx_rates"]


def test_reconcile_holds_after_a_load_and_catches_tampering(landing: Path, warehouse: Path) -> None:
    write_company(landing)
    load_landing(Settings(landing, warehouse))
    assert reconcile(Settings(landing, warehouse)) == []
    assert query(
        warehouse,
        "select count(*) from audit.load_files "
        "where rows_in_file <> rows_loaded + rows_quarantined",
    ) == [(0,)]

    con = duckdb.connect(str(warehouse))
    con.execute("delete from raw.accounts where _row_number = 1")
    con.execute(
        "update audit.load_files set rows_in_file = rows_in_file + 1 "
        "where file_name = 'payments/2024-01.csv'"
    )
    con.close()

    problems = reconcile(Settings(landing, warehouse))
    assert len(problems) == 2
    assert "accounts/2024-01.csv" in problems[0] and "raw.accounts holds 1 rows" in problems[0]
    assert "payments/2024-01.csv" in problems[1] and "rows_in_file 6" in problems[1]
    with warehouse_db(warehouse) as con:
        assert reconcile(con) == problems
        with pytest.raises(LoadError, match=r"counts do not reconcile: .*\(and 1 more\)"):
            check_reconciled(con)


def test_raw_tables_exist_for_every_entity_even_without_files(
    landing: Path, warehouse: Path
) -> None:
    result = load_landing(Settings(landing, warehouse))
    assert [r.entity for r in result] == [e.name for e in ENTITIES]
    assert all(r.files_seen == 0 for r in result)
    with warehouse_db(warehouse) as con:
        for entity in ENTITIES:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                    [entity.name],
                ).fetchall()
            ]
            assert cols == [*entity.column_names, "_file_name", "_row_number", "_loaded_at",
                            "_batch_id"]  # fmt: skip


def test_whole_run_errors_raise_load_error_with_one_line(landing: Path, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist") as missing:
        load_landing(Settings(tmp_path / "nowhere", tmp_path / "w.duckdb"))
    assert "\n" not in str(missing.value)
    with pytest.raises(LoadError, match="unknown entity 'customers'"):
        load_entity(Settings(landing, tmp_path / "w.duckdb"), "customers")

    # Another process holds the warehouse's write lock.
    locked = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(locked)!r})
            print("ready", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseLocked, match="cannot open warehouse") as lock:
            load_landing(Settings(landing, locked))
        assert "\n" not in str(lock.value)
        assert isinstance(lock.value, duckdb.IOException) and "lock" in str(lock.value).lower()
    finally:
        holder.kill()
        holder.wait()


def test_gzip_and_plain_csv_with_same_rows_are_different_files(
    landing: Path, warehouse: Path
) -> None:
    rows = [account_row("acc_1")]
    write_csv(landing / "accounts" / "a.csv", ACCOUNT_HEADER, rows)
    write_csv(landing / "accounts" / "b.csv.gz", ACCOUNT_HEADER, rows)
    assert (
        gzip.decompress((landing / "accounts" / "b.csv.gz").read_bytes())
        == (landing / "accounts" / "a.csv").read_bytes()
    )
    result = load_entity(Settings(landing, warehouse), "accounts")
    # Different bytes, so two files: all versions are kept in raw (staging dedupes).
    assert (result.files_loaded, result.rows_loaded) == (2, 2)


def test_json_key_that_first_appears_late_is_kept_as_drift(landing: Path, warehouse: Path) -> None:
    # DuckDB samples 20,480 JSON rows to find keys by default; the loader samples all.
    rows = [
        {"currency": "EUR", "rate_date": "2024-01-01", "usd_per_unit": 1.1, "source": None}
        for _ in range(25_000)
    ]
    rows[-1] = {**rows[-1], "source": {"bank": "ecb"}, "late_key": "here"}
    folder = landing / "fx_rates"
    folder.mkdir()
    (folder / "rates.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")

    result = load_entity(Settings(landing, warehouse), "fx_rates", progress=True)

    assert result.rows_loaded == 25_000
    assert sorted(result.drift_columns) == ["late_key", "source"]
    assert query(
        warehouse,
        "select _row_number, source, late_key from raw.fx_rates where late_key is not null",
    ) == [(25_000, '{"bank":"ecb"}', "here")]


def test_a_copy_landed_in_the_same_run_is_skipped_in_name_order(
    landing: Path, warehouse: Path
) -> None:
    rows = [account_row("acc_1"), account_row("acc_2", segment="x")]
    write_csv(landing / "accounts" / "b.csv", ACCOUNT_HEADER, rows)
    write_csv(landing / "accounts" / "a.csv", ACCOUNT_HEADER, rows)  # same bytes, earlier name
    write_csv(landing / "accounts" / "c.csv", ["account_id"], [["acc_3"]])  # rejected
    write_csv(landing / "accounts" / "d.csv", ["account_id"], [["acc_3"]])  # its copy

    result = load_entity(Settings(landing, warehouse), "accounts")

    assert [(f.file_name, f.status) for f in result.files] == [
        ("accounts/a.csv", "loaded"),
        ("accounts/b.csv", "skipped"),
        ("accounts/c.csv", "rejected"),
        ("accounts/d.csv", "skipped"),
    ]
    assert "same content as accounts/a.csv" in result.files[1].message
    # acc_1 loaded once; acc_2 (unknown segment) quarantined once.
    assert query(warehouse, "select account_id, _file_name from raw.accounts") == [
        ("acc_1", "accounts/a.csv")
    ]
    assert query(warehouse, "select file_name, row_number from audit.quarantine") == [
        ("accounts/a.csv", 2)
    ]


def test_a_load_is_stamped_after_every_earlier_one_even_when_the_clock_went_back(
    landing: Path, warehouse: Path
) -> None:
    # The incremental models rebuild what was loaded after their watermark, the latest
    # stamp they read (dbt_project/macros/row_increment.sql): a file stamped at or before
    # an earlier one would be missed.
    write_csv(landing / "accounts" / "2024-01.csv", ACCOUNT_HEADER, [account_row("acc_1")])
    load_landing(Settings(landing, warehouse))
    with duckdb.connect(str(warehouse)) as con:
        # As if the clock had been an hour ahead during that load, and is right again now.
        con.execute("update audit.load_files set loaded_at = loaded_at + interval 1 hour")
        con.execute("update raw.accounts set _loaded_at = _loaded_at + interval 1 hour")
        (earlier,) = con.execute("select max(_loaded_at) from raw.accounts").fetchone()
    assert earlier > datetime.now(UTC)

    write_csv(landing / "accounts" / "2024-02.csv", ACCOUNT_HEADER,
              [account_row("acc_2"), account_row("acc_3")])  # fmt: skip
    write_csv(landing / "fx_rates" / "2024-02.csv", ["currency", "rate_date", "usd_per_unit"],
              [["EUR", "2024-02-01", "1.1"]])  # fmt: skip
    load_landing(Settings(landing, warehouse))

    with duckdb.connect(str(warehouse), read_only=True) as con:
        stamps = con.execute(
            "select file_name, loaded_at from audit.load_files where loaded_at > ?"
            " order by file_name",
            [earlier],
        ).fetchall()
        rows = con.execute(
            "select account_id, _loaded_at from raw.accounts where _loaded_at > ?"
            " order by account_id",
            [earlier],
        ).fetchall()
    assert [name for name, _ in stamps] == ["accounts/2024-02.csv", "fx_rates/2024-02.csv"]
    assert [account for account, _ in rows] == ["acc_2", "acc_3"]
    # Each raw row carries its file's stamp, as recorded in audit.load_files.
    assert {stamp for _, stamp in rows} <= {stamp for _, stamp in stamps}
