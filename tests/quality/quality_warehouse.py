"""A small, clean warehouse with every table the GX suites validate.

The marts are being built by other rooms, so the tables here are written by
hand with the agreed names and columns (team brief and METRICS.md), just the
columns the suites read plus a few more. Every value is chosen so that every
suite passes; each test breaks one thing on purpose and checks the exact count.

The company: accounts a1, a2; product p1 (recurring); quote q1 (a1, accepted
2024-01-15, TCV 1200 USD); invoices i1 (a1, 100 = 60 + 40) and i2 (a2, 80);
payment pay1 for i1.

fct_mrr (METRICS.md movements; mrr = prev_mrr + movement_amount):
    a1 2024-01:   0 -> 100  new          +100
    a1 2024-02: 100 -> 150  expansion     +50
    a1 2024-03: 150 ->   0  churn        -150
    a2 2024-02:   0 ->  80  new           +80
    a2 2024-03:  80 ->  80  unchanged      +0
metrics_monthly: mrr = sum over accounts, arr = 12 * mrr
    2024-01: 100        arr 1200   bookings_tcv 1200 (q1 accepted in January)
    2024-02: 150 + 80   arr 2760   bookings_tcv 0
    2024-03: 0 + 80     arr  960   bookings_tcv 0
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from foundation.contract import ENTITIES, LINEAGE_COLUMNS, Column

LOADED_AT = datetime(2024, 4, 1, 12, 0)


def _value(col: Column, row: int) -> Any:
    """A valid value for a contract column (row 1, 2, ...)."""
    if col.enum:
        return int(col.enum[0]) if col.type == "int" else col.enum[0]
    return {
        "str": f"{col.name}_{row}",
        "int": 12,
        "decimal": 1,
        "bool": False,
        "date": f"2024-01-0{row}",
        "timestamp": f"2024-01-0{row} 10:00:00+00",
        "currency": "USD",
        "country": "US",
    }[col.type]


def _create_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw.<entity> typed per the contract, two rows each from one loaded file."""
    con.execute("create schema raw")
    con.execute("create schema audit")
    con.execute(
        """
        create table audit.load_files (
            entity varchar, file_name varchar, content_hash varchar, rows_in_file bigint,
            rows_loaded bigint, rows_quarantined bigint, status varchar, message varchar,
            loaded_at timestamptz
        )
        """
    )
    for ent in ENTITIES:
        cols = [f"{c.name} {c.duckdb_type}" for c in ent.columns]
        cols += [f"{name} {type_}" for name, type_ in LINEAGE_COLUMNS.items()]
        con.execute(f"create table raw.{ent.name} ({', '.join(cols)})")
        file_name = f"{ent.name}/2024-01.csv"
        for row in (1, 2):
            values = [_value(c, row) for c in ent.columns]
            values += [file_name, row, LOADED_AT, "batch-1"]
            marks = ", ".join("?" * len(values))
            con.execute(f"insert into raw.{ent.name} values ({marks})", values)
        # rows_in_file 3 = 2 loaded + 1 quarantined; a rejected file counts for nothing.
        con.execute(
            "insert into audit.load_files values (?, ?, 'h1', 3, 2, 1, 'loaded', '', ?)",
            [ent.name, file_name, LOADED_AT],
        )
        con.execute(
            "insert into audit.load_files values (?, ?, 'h2', 5, 0, 0, 'rejected', 'x', ?)",
            [ent.name, f"{ent.name}/bad.csv", LOADED_AT],
        )


STAGING_AND_MARTS = """
create schema staging;
create table audit.flagged (
    entity varchar, record_key varchar, reason varchar, detail varchar,
    first_seen_at timestamptz
);
create table staging.stg_accounts as
select * from (values
    ('a1', 'Acme', 'smb', 'US'),
    ('a2', 'Beta', 'enterprise', 'DE')
) as t (account_id, account_name, segment, country);
create table staging.stg_products as
select * from (values
    ('p1', 'Platform', 'recurring', 1, 10.0::decimal(18, 4))
) as t (product_id, product_name, pricing_model, billing_interval_months, list_price);
create table staging.stg_quotes as
select * from (values
    ('q1', 'a1', 'new', 'accepted', 12)
) as t (quote_id, account_id, quote_type, quote_status, term_months);
create table staging.stg_quote_lines as
select * from (values
    ('ql1', 'q1', 'p1', 10.0::decimal(18, 4), 10.0::decimal(18, 4), 0.0::decimal(18, 4))
) as t (quote_line_id, quote_id, product_id, quantity, unit_price, discount_pct);
create table staging.stg_invoices as
select * from (values
    ('i1', 'a1', 'q1', 'paid', 100.0::decimal(18, 4)),
    ('i2', 'a2', null, 'open', 80.0::decimal(18, 4))
) as t (invoice_id, account_id, quote_id, invoice_status, total_amount);
create table staging.stg_invoice_lines as
select * from (values
    ('l1', 'i1', 'p1', 60.0::decimal(18, 4)),
    ('l2', 'i1', 'p1', 40.0::decimal(18, 4)),
    ('l3', 'i2', 'p1', 80.0::decimal(18, 4))
) as t (invoice_line_id, invoice_id, product_id, amount);
create table staging.stg_payments as
select * from (values
    ('pay1', 'i1', 'a1', 100.0::decimal(18, 4), 'card', 'succeeded')
) as t (payment_id, invoice_id, account_id, amount, method, payment_status);
create table staging.stg_fx_rates as
select * from (values
    ('EUR', date '2024-01-01', 1.1::decimal(18, 4)),
    ('EUR', date '2024-02-01', 1.2::decimal(18, 4))
) as t (currency, rate_date, usd_per_unit);
create table staging.stg_sales_targets as
select * from (values
    ('r1', date '2024-01-01', 1000.0::decimal(18, 4))
) as t (owner_rep_id, month, target_amount_usd);
create table staging.stg_marketing_spend as
select * from (values
    (date '2024-01-01', 'paid_search', 500.0::decimal(18, 4))
) as t (month, channel, amount_usd);

create schema marts;
create table marts.fct_invoices as
select invoice_id, account_id, quote_id, invoice_status, total_amount
from staging.stg_invoices;
create table marts.fct_invoice_lines as
select invoice_line_id, invoice_id, product_id, amount from staging.stg_invoice_lines;
create table marts.fct_quotes as
select * from (values
    ('q1', 'a1', 'accepted', 1200.0::decimal(18, 4), date '2024-01-15'),
    ('q2', 'a2', 'rejected', null, date '2024-02-10'),
    ('q3', 'a2', 'draft', null, null)
) as t (quote_id, account_id, quote_status, tcv_usd, decided_date);
create table marts.fct_mrr (
    account_id varchar, month date, mrr decimal(18, 4), prev_mrr decimal(18, 4),
    movement varchar, movement_amount decimal(18, 4)
);
insert into marts.fct_mrr values
    ('a1', date '2024-01-01', 100, 0, 'new', 100),
    ('a1', date '2024-02-01', 150, 100, 'expansion', 50),
    ('a1', date '2024-03-01', 0, 150, 'churn', -150),
    ('a2', date '2024-02-01', 80, 0, 'new', 80),
    ('a2', date '2024-03-01', 80, 80, 'unchanged', 0);
create table marts.metrics_monthly (
    month date, mrr decimal(18, 4), arr decimal(18, 4),
    accounts_receivable decimal(18, 4), bookings_tcv decimal(18, 4)
);
insert into marts.metrics_monthly values
    (date '2024-01-01', 100, 1200, 40, 1200),
    (date '2024-02-01', 230, 2760, 80, 0),
    (date '2024-03-01', 80, 960, 0, 0);
create table marts.ar_aging_monthly (month date, bucket varchar, amount decimal(18, 4));
insert into marts.ar_aging_monthly values
    (date '2024-01-01', 'current', 40),
    (date '2024-02-01', 'current', 80),
    (date '2024-02-01', '1_30', 0);
"""


def build_clean_warehouse(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        _create_raw(con)
        con.execute(STAGING_AND_MARTS)
    finally:
        con.close()
    return path


def run_sql(path: Path, *statements: str) -> None:
    con = duckdb.connect(str(path))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
