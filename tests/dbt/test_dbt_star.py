"""dbt star schema (issue 5) on a hand-made raw layer, built with real dbt runs.

Three loads land in `raw` one after the other (tests/dbt/raw_layer.py writes the
loader's table shape), with a `dbt build` of the star schema after each:

1. the first files: good rows plus one bad row of each flagged kind;
2. later files resolving most flags (missing parents, a missing FX rate, a credit line
   fixing an invoice total), a new FX rate, a new version and a deletion;
3. a new version that breaks a fact invoice (total mismatch), so it and its children
   leave the facts.

A copy of the warehouse after load 3 is rebuilt with `--full-refresh` and must equal
the incremental result. Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from foundation.contract import ENTITIES
from tests.dbt.raw_layer import append_file, create_raw_tables
from tests.dbt.star import build_after_each_load, query, star_models

# The staged names of the registry's personal-data columns.
SENSITIVE = {c.staged_as for e in ENTITIES for c in e.columns if c.sensitive}

FACTS = {
    "fct_quotes": "quote_id",
    "fct_quote_lines": "quote_line_id",
    "fct_invoices": "invoice_id",
    "fct_invoice_lines": "invoice_line_id",
    "fct_payments": "payment_id",
}
T1 = datetime(2024, 7, 1, 6, 0, tzinfo=UTC)
T2 = datetime(2024, 7, 2, 6, 0, tzinfo=UTC)
T3 = datetime(2024, 7, 3, 6, 0, tzinfo=UTC)
TS = "2024-01-01T00:00:00Z"


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every fact and dim, sorted, for comparing two builds."""
    out = {}
    for table in [*FACTS, "dim_account", "dim_product", "dim_sales_rep", "dim_currency"]:
        out[table] = sorted(query(warehouse, f"select * from marts.{table}"), key=repr)
    return out


def load_1(wh: Path) -> None:
    """First files. Bad rows: Q3 (account A3 missing), I2 (total 99 vs lines 100),
    I3 (GBP, no GBP rate), IL5 (invoice I9 missing), PAY2 (account A1, invoice's is A2),
    PAY3 (EUR, invoice in USD), PAY4 (invoice I8 missing)."""
    create_raw_tables(wh)
    append_file(wh, "accounts", "2024-07-01.csv", [
        dict(account_id="A1", name="Acme", email="ap@acme.test", segment="smb",
             owner_rep_id="R1", created_at="2024-01-01T00:00:00Z",
             updated_at="2024-01-01T00:00:00Z"),
        dict(account_id="A1", name="Acme Inc", email="ap@acme.test", segment="smb",
             owner_rep_id="R1", created_at="2024-01-01T00:00:00Z",
             updated_at="2024-06-01T00:00:00Z"),
        dict(account_id="A2", name="Beta", segment="enterprise", owner_rep_id="R2",
             created_at="2024-02-01T00:00:00Z", updated_at="2024-02-01T00:00:00Z"),
    ], T1)  # fmt: skip
    append_file(wh, "products", "2024-07-01.csv", [
        dict(product_id="P1", name="Platform", pricing_model="recurring",
             billing_interval_months=1, list_price="100", currency="USD", updated_at=TS),
        dict(product_id="P2", name="Setup", pricing_model="one_time", list_price="500",
             currency="USD", updated_at=TS),
    ], T1)  # fmt: skip
    append_file(wh, "fx_rates", "2024-07-01.csv", [
        dict(currency="EUR", rate_date="2024-01-01", usd_per_unit="1.1"),
        dict(currency="EUR", rate_date="2024-03-01", usd_per_unit="1.2"),
    ], T1)  # fmt: skip
    append_file(wh, "quotes", "2024-07-01.csv", [
        dict(quote_id="Q1", account_id="A1", owner_rep_id="R1", quote_type="new",
             status="accepted", currency="EUR", created_at="2024-01-10T09:00:00Z",
             sent_at="2024-01-11T09:00:00Z", decided_at="2024-03-05T09:00:00Z",
             contract_start_date="2024-04-01", term_months=12,
             updated_at="2024-03-05T09:00:00Z"),
        dict(quote_id="Q2", account_id="A2", owner_rep_id="R2", quote_type="new",
             status="sent", currency="USD", created_at="2024-05-01T09:00:00Z",
             updated_at="2024-05-01T09:00:00Z"),
        dict(quote_id="Q3", account_id="A3", status="draft", currency="USD",
             created_at="2024-05-02T09:00:00Z", updated_at="2024-05-02T09:00:00Z"),
    ], T1)  # fmt: skip
    append_file(wh, "quote_lines", "2024-07-01.csv", [
        dict(quote_line_id="QL1", quote_id="Q1", product_id="P1", quantity="2",
             unit_price="100", discount_pct="10", updated_at=TS),
        dict(quote_line_id="QL2", quote_id="Q1", product_id="P2", quantity="1",
             unit_price="500", updated_at=TS),
        dict(quote_line_id="QL3", quote_id="Q2", product_id="P1", quantity="1",
             unit_price="50", updated_at=TS),
        dict(quote_line_id="QL4", quote_id="Q3", product_id="P1", quantity="1",
             unit_price="10", updated_at=TS),
    ], T1)  # fmt: skip
    append_file(wh, "invoices", "2024-07-01.csv", [
        dict(invoice_id="I1", invoice_number="N1", account_id="A1", quote_id="Q1",
             status="paid", currency="EUR", issued_at="2024-04-01", due_at="2024-05-01",
             total_amount="2660", updated_at="2024-04-01T00:00:00Z"),
        dict(invoice_id="I2", account_id="A2", status="open", currency="USD",
             issued_at="2024-04-10", total_amount="99", updated_at="2024-04-10T00:00:00Z"),
        dict(invoice_id="I3", account_id="A2", status="open", currency="GBP",
             issued_at="2024-04-01", total_amount="50", updated_at="2024-04-01T00:00:00Z"),
        dict(invoice_id="I4", account_id="A2", status="open", currency="USD",
             issued_at="2024-05-01", total_amount="100", updated_at="2024-05-01T00:00:00Z"),
    ], T1)  # fmt: skip
    append_file(wh, "invoice_lines", "2024-07-01.csv", [
        dict(invoice_line_id="IL1", invoice_id="I1", product_id="P1", amount="2160",
             period_start="2024-04-01", period_end="2025-04-01", updated_at=TS),
        dict(invoice_line_id="IL2", invoice_id="I1", product_id="P2", amount="500",
             updated_at=TS),
        dict(invoice_line_id="IL3", invoice_id="I2", product_id="P1", amount="100",
             period_start="2024-04-10", period_end="2024-05-10", updated_at=TS),
        dict(invoice_line_id="IL4", invoice_id="I3", product_id="P1", amount="50",
             period_start="2024-04-01", period_end="2024-05-01", updated_at=TS),
        dict(invoice_line_id="IL5", invoice_id="I9", product_id="P1", amount="30",
             period_start="2024-06-01", period_end="2024-07-01", updated_at=TS),
        dict(invoice_line_id="IL6", invoice_id="I4", product_id="P1", amount="100",
             period_start="2024-05-01", period_end="2024-06-01", updated_at=TS),
    ], T1)  # fmt: skip
    append_file(wh, "payments", "2024-07-01.csv", [
        dict(payment_id="PAY1", invoice_id="I1", account_id="A1", amount="2660",
             currency="EUR", received_at="2024-04-20T10:00:00Z", method="wire",
             status="succeeded", updated_at="2024-04-20T10:00:00Z"),
        dict(payment_id="PAY2", invoice_id="I4", account_id="A1", amount="100",
             currency="USD", received_at="2024-05-20T10:00:00Z", status="succeeded",
             updated_at="2024-05-20T10:00:00Z"),
        dict(payment_id="PAY3", invoice_id="I4", amount="100", currency="EUR",
             received_at="2024-05-20T10:00:00Z", status="succeeded",
             updated_at="2024-05-20T10:00:00Z"),
        dict(payment_id="PAY4", invoice_id="I8", amount="10", currency="USD",
             received_at="2024-05-20T10:00:00Z", status="succeeded",
             updated_at="2024-05-20T10:00:00Z"),
        dict(payment_id="PAY5", invoice_id="I4", amount="100", currency="USD",
             received_at="2024-05-21T10:00:00Z", method="card", status="failed",
             updated_at="2024-05-21T10:00:00Z"),
    ], T1)  # fmt: skip
    append_file(wh, "sales_targets", "2024.csv", [
        dict(owner_rep_id="R3", month="2024-03-01", target_amount_usd="1000"),
    ], T1)  # fmt: skip
    append_file(wh, "marketing_spend", "2024.csv", [
        dict(month="2024-03-01", channel="inbound", amount_usd="500"),
    ], T1)  # fmt: skip


def load_2(wh: Path) -> None:
    """Later files: account A3 (resolves Q3 and so QL4), a credit line IL7 of -1 on I2
    (100 - 1 = 99 = total), GBP rates (resolve I3), invoice I9 (resolves IL5), a new EUR
    rate from 2024-04-15 (changes PAY1's rate), I4 paid, PAY5 deleted."""
    append_file(wh, "accounts", "2024-07-02.csv", [
        dict(account_id="A3", name="Gamma", owner_rep_id="R1",
             created_at="2024-05-01T00:00:00Z", updated_at="2024-05-01T00:00:00Z"),
    ], T2)  # fmt: skip
    append_file(wh, "invoice_lines", "2024-07-02.csv", [
        dict(invoice_line_id="IL7", invoice_id="I2", product_id="P2", amount="-1",
             updated_at=TS),
    ], T2)  # fmt: skip
    append_file(wh, "fx_rates", "2024-07-02.csv", [
        dict(currency="GBP", rate_date="2024-01-01", usd_per_unit="1.25"),
        dict(currency="EUR", rate_date="2024-04-15", usd_per_unit="1.3"),
    ], T2)  # fmt: skip
    append_file(wh, "invoices", "2024-07-02.csv", [
        dict(invoice_id="I9", account_id="A1", status="open", currency="USD",
             issued_at="2024-06-01", total_amount="30", updated_at="2024-06-01T00:00:00Z"),
        dict(invoice_id="I4", account_id="A2", status="paid", currency="USD",
             issued_at="2024-05-01", total_amount="100", updated_at="2024-06-15T00:00:00Z"),
    ], T2)  # fmt: skip
    append_file(wh, "payments", "2024-07-02.csv", [
        dict(payment_id="PAY5", invoice_id="I4", amount="100", currency="USD",
             received_at="2024-05-21T10:00:00Z", method="card", status="failed",
             updated_at="2024-06-30T10:00:00Z", is_deleted=True),
    ], T2)  # fmt: skip


def load_3(wh: Path) -> None:
    """A new version of I1 with total 9999 (lines still 2660): I1 is flagged
    total_mismatch and leaves the facts with IL1, IL2 and PAY1. A2 gets a new version."""
    append_file(wh, "invoices", "2024-07-03.csv", [
        dict(invoice_id="I1", invoice_number="N1", account_id="A1", quote_id="Q1",
             status="paid", currency="EUR", issued_at="2024-04-01", due_at="2024-05-01",
             total_amount="9999", updated_at="2024-07-02T00:00:00Z"),
    ], T3)  # fmt: skip
    append_file(wh, "accounts", "2024-07-03.csv", [
        dict(account_id="A2", name="Beta GmbH", segment="enterprise", owner_rep_id="R2",
             created_at="2024-02-01T00:00:00Z", updated_at="2024-07-01T00:00:00Z"),
    ], T3)  # fmt: skip


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """Warehouse copies after each incremental build, and the full-refresh rebuild."""
    tmp = tmp_path_factory.mktemp("dbt_star")
    out = build_after_each_load(tmp, [load_1, load_2, load_3])
    out["manifest"] = tmp / "target" / "manifest.json"
    return out


def keys(warehouse: Path, table: str) -> set[str]:
    return {row[0] for row in query(warehouse, f"select {FACTS[table]} from marts.{table}")}


def flags(warehouse: Path) -> set[tuple[str, str, str]]:
    return set(query(warehouse, "select entity, record_key, reason from audit.flagged"))


def test_first_load_flags_each_kind_of_bad_row(builds):
    assert flags(builds["after_1"]) == {
        ("quotes", "Q3", "orphan_reference"),
        ("invoices", "I2", "total_mismatch"),
        ("invoices", "I3", "missing_fx_rate"),
        ("invoice_lines", "IL5", "orphan_reference"),
        ("payments", "PAY2", "account_mismatch"),
        ("payments", "PAY3", "currency_mismatch"),
        ("payments", "PAY4", "orphan_reference"),
    }


def test_first_load_facts_leave_out_flagged_rows_and_their_children(builds):
    wh = builds["after_1"]
    assert keys(wh, "fct_quotes") == {"Q1", "Q2"}
    assert keys(wh, "fct_quote_lines") == {"QL1", "QL2", "QL3"}  # QL4: quote Q3 flagged
    assert keys(wh, "fct_invoices") == {"I1", "I4"}
    assert keys(wh, "fct_invoice_lines") == {"IL1", "IL2", "IL6"}  # IL3, IL4: parents
    assert keys(wh, "fct_payments") == {"PAY1", "PAY5"}


def test_quote_values_in_local_currency_and_usd(builds):
    rows = query(
        builds["after_1"],
        "select quote_id, fx_rate_usd, quote_value, quote_value_usd, acv_usd, tcv_usd,"
        " is_open, contract_end_date::varchar from marts.fct_quotes order by quote_id",
    )
    # Q1 decided 2024-03-05 -> EUR rate of 2024-03-01 = 1.2.
    # QL1 recurring 2 x 100 x (1 - 10/100) = 180 / month x 12 months = 2160; QL2 one-time
    # 500 -> value 2660 EUR, x 1.2 = 3192 USD; ACV = 12 x 180 x 1.2 = 2592.
    # Contract 2024-04-01 + 12 months ends 2025-04-01.
    # Q2 open, USD, no term: 1 x 50 x 12 = 600; not accepted -> no ACV/TCV.
    assert rows == [
        ("Q1", Decimal("1.2"), Decimal(2660), Decimal(3192), Decimal(2592), Decimal(3192),
         False, "2025-04-01"),
        ("Q2", Decimal(1), Decimal(600), Decimal(600), None, None, True, None),
    ]  # fmt: skip


def test_invoice_and_line_amounts_use_the_rate_on_or_before_issue(builds):
    wh = builds["after_1"]
    # I1 issued 2024-04-01, EUR rate from 2024-03-01 = 1.2: 2660 x 1.2 = 3192.
    assert query(
        wh, "select fx_rate_usd, total_amount_usd, is_billable from marts.fct_invoices"
        " where invoice_id = 'I1'",
    ) == [(Decimal("1.2"), Decimal(3192), True)]  # fmt: skip
    # IL1 2160 x 1.2 = 2592 over 2024-04-01 -> 2025-04-01 = 12 months.
    assert query(
        wh, "select amount_usd, service_months, account_id, quote_id"
        " from marts.fct_invoice_lines where invoice_line_id = 'IL1'",
    ) == [(Decimal(2592), 12.0, "A1", "Q1")]  # fmt: skip


def test_payment_amounts_at_receipt_and_invoice_rates(builds):
    rows = query(
        builds["after_1"],
        "select payment_id, account_id, fx_rate_usd, amount_usd, amount_usd_at_invoice_rate,"
        " is_received from marts.fct_payments order by payment_id",
    )
    # PAY1 2660 EUR received 2024-04-20: rate 1.2 -> 3192; invoice rate 1.2 -> 3192.
    # PAY5 has no account: the invoice's (A2); failed -> not received.
    assert rows == [
        ("PAY1", "A1", Decimal("1.2"), Decimal(3192), Decimal(3192), True),
        ("PAY5", "A2", Decimal(1), Decimal(100), Decimal(100), False),
    ]


def test_later_files_resolve_flags_and_rows_enter_the_facts(builds):
    wh = builds["after_2"]
    assert flags(wh) == {
        ("payments", "PAY2", "account_mismatch"),
        ("payments", "PAY3", "currency_mismatch"),
        ("payments", "PAY4", "orphan_reference"),
    }
    assert keys(wh, "fct_quotes") == {"Q1", "Q2", "Q3"}
    assert keys(wh, "fct_quote_lines") == {"QL1", "QL2", "QL3", "QL4"}
    assert keys(wh, "fct_invoices") == {"I1", "I2", "I3", "I4", "I9"}
    assert keys(wh, "fct_invoice_lines") == {"IL1", "IL2", "IL3", "IL4", "IL5", "IL6", "IL7"}
    assert keys(wh, "fct_payments") == {"PAY1"}  # PAY5 deleted
    # I3: 50 GBP x 1.25 = 62.5. I4: the later version (paid) replaced the open one.
    assert query(
        wh, "select invoice_id, total_amount_usd, invoice_status from marts.fct_invoices"
        " where invoice_id in ('I3', 'I4') order by 1",
    ) == [("I3", Decimal("62.5"), "open"), ("I4", Decimal(100), "paid")]  # fmt: skip
    # PAY1 received 2024-04-20 now falls on the EUR rate of 2024-04-15 (1.3):
    # 2660 x 1.3 = 3458; at the invoice's rate (2024-04-01 -> 1.2) still 3192.
    assert query(
        wh, "select amount_usd, amount_usd_at_invoice_rate from marts.fct_payments",
    ) == [(Decimal(3458), Decimal(3192))]  # fmt: skip


def test_flag_history_keeps_first_seen_and_marks_resolved(builds):
    first = dict(
        ((e, k, r), seen)
        for e, k, r, seen in query(
            builds["after_1"], "select entity, record_key, reason, first_seen_at from audit.flagged"
        )
    )
    later = query(
        builds["after_2"],
        "select entity, record_key, reason, first_seen_at, is_resolved, resolved_at"
        " from audit.flagged_history",
    )
    assert len(later) == 7
    for entity, key, reason, seen, resolved, resolved_at in later:
        assert seen == first[(entity, key, reason)]  # kept from the first run
        assert resolved == (entity != "payments")
        assert (resolved_at is not None) == resolved
        if resolved:
            assert resolved_at > seen


def test_a_row_that_becomes_flagged_leaves_the_facts_with_its_children(builds):
    wh = builds["after_3"]
    assert ("invoices", "I1", "total_mismatch") in flags(wh)
    assert "I1" not in keys(wh, "fct_invoices")
    assert keys(wh, "fct_invoice_lines") == {"IL3", "IL4", "IL5", "IL6", "IL7"}
    assert keys(wh, "fct_payments") == set()


def test_dim_account_keeps_type_2_history(builds):
    rows = query(
        builds["after_3"],
        "select account_id, account_name, is_current, valid_from::varchar, valid_to::varchar"
        " from marts.dim_account order by account_id, valid_from",
    )
    assert rows == [
        ("A1", "Acme", False, "2024-01-01 00:00:00", "2024-06-01 00:00:00"),
        ("A1", "Acme Inc", True, "2024-06-01 00:00:00", None),
        ("A2", "Beta", False, "2024-02-01 00:00:00", "2024-07-01 00:00:00"),
        ("A2", "Beta GmbH", True, "2024-07-01 00:00:00", None),
        ("A3", "Gamma", True, "2024-05-01 00:00:00", None),
    ]


def test_full_refresh_equals_the_incremental_sequence(builds):
    incremental = snapshot(builds["after_3"])
    full = snapshot(builds["full_refresh"])
    assert incremental == full
    assert sum(len(rows) for rows in full.values()) > 0


def test_no_build_parsed_the_whole_project(builds):
    """Each build started from the session's parse (tests/dbt_runs.py): a whole parse
    costs about 10 s a build."""
    log = (builds["manifest"].parent / "logs" / "dbt.log").read_text()
    assert log.count("Partial parsing enabled, no changes found") == 3, log[-3000:]
    assert "Unable to do partial parsing" not in log


def test_every_model_and_column_is_documented(builds):
    nodes = star_models(json.loads(builds["manifest"].read_text()))
    assert {"int_records_excluded", "int_invoices_validated", "fct_invoices"} <= set(nodes)
    for name, node in nodes.items():
        assert node["description"].strip(), name
        built = {
            row[0]
            for row in query(
                builds["full_refresh"],
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"]],
            )
        }
        documented = {col: spec["description"] for col, spec in node["columns"].items()}
        assert built == set(documented), name
        assert all(text.strip() for text in documented.values()), name
        for col in SENSITIVE & built:
            assert node["columns"][col]["meta"].get("sensitive") is True, (name, col)
        if node["original_file_path"].startswith("dbt_project/models/marts/"):
            assert node["config"]["contract"]["enforced"] is True, name
            assert node["schema"] == "marts"
    assert nodes["flagged"]["schema"] == "audit"
