"""A small company worked out by hand: its landing files and every expected number.

Five accounts, ten quotes, twelve invoices, January to June 2025, as-of 2025-06-30.
Every expected value below is derived by hand from `docs/metrics.md`, with the
arithmetic in the comments; nothing here was read back from the SQL.

Currencies (fx_rates): USD = 1; EUR 1.10 from 2024-12-01, 1.20 from 2025-03-01;
GBP 1.25 from 2024-12-01, 1.30 from 2025-03-01.

Accounts (channel, rep):
  A1 Acme   USD  inbound      R1  monthly invoices: new, expansion, unchanged,
                                    contraction (credit line), churn (void), reactivation
  A2 Bravo  EUR  partner      R1  quarterly invoices; FX change makes an expansion; a
                                    -0.0040 EUR credit in June is below the 0.005 equality
  A3 Cobalt GBP  outbound     R2  annual invoice, uncollectible (in MRR, not in AR)
  A4 Delta  USD  inbound      R2  1.5-month period from Jan 31 (clamping), one-time line
  A5 Echo   USD  paid_search  R2  prospect: rejected, expired and open quotes only

A1's created_at is 2024-12-31T22:30:00-03:00 = 2025-01-01T01:30Z: the month spine starts
in January only if timestamps are taken in UTC. Q1's created_at 2025-01-02T23:30-02:00 is
2025-01-03 in UTC. Q11 is created on 2025-07-05, after the as-of date: no July row.
"""

from __future__ import annotations

import csv
from fractions import Fraction as F
from pathlib import Path

from foundation.contract import entity

AS_OF = "2025-06-30"
MONTHS = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01"]
JAN, FEB, MAR, APR, MAY, JUN = MONTHS
U = "2025-07-10T00:00:00Z"  # updated_at of every row (one version each, unless noted)

LANDING: dict[str, list[dict[str, object]]] = {
    "products": [
        dict(
            product_id="PLAT",
            sku="PLAT-1",
            name="Platform",
            family="platform",
            pricing_model="recurring",
            billing_interval_months=1,
            list_price="100",
            currency="USD",
            is_active="true",
        ),
        dict(
            product_id="ADDON",
            sku="ADD-1",
            name="Add-on",
            family="add_on",
            pricing_model="recurring",
            billing_interval_months=12,
            list_price="50",
            currency="USD",
            is_active="true",
        ),
        dict(
            product_id="SVC",
            sku="SVC-1",
            name="Onboarding",
            family="services",
            pricing_model="one_time",
            billing_interval_months=None,
            list_price="1000",
            currency="USD",
            is_active="true",
        ),
    ],
    "accounts": [
        dict(
            account_id="A1",
            name="Acme",
            email="ap@acme.test",
            industry="retail",
            segment="smb",
            country="US",
            owner_rep_id="R1",
            acquisition_channel="inbound",
            created_at="2024-12-31T22:30:00-03:00",
        ),
        dict(
            account_id="A2",
            name="Bravo",
            email="ap@bravo.test",
            industry="media",
            segment="mid_market",
            country="DE",
            owner_rep_id="R1",
            acquisition_channel="partner",
            created_at="2025-01-05T09:00:00Z",
        ),
        dict(
            account_id="A3",
            name="Cobalt",
            email="ap@cobalt.test",
            industry="energy",
            segment="enterprise",
            country="GB",
            owner_rep_id="R2",
            acquisition_channel="outbound",
            created_at="2025-01-20T09:00:00Z",
        ),
        dict(
            account_id="A4",
            name="Delta",
            email="ap@delta.test",
            industry="retail",
            segment="smb",
            country="US",
            owner_rep_id="R2",
            acquisition_channel="inbound",
            created_at="2025-01-10T09:00:00",
        ),
        dict(
            account_id="A5",
            name="Echo",
            email="ap@echo.test",
            industry="media",
            segment="smb",
            country="US",
            owner_rep_id="R2",
            acquisition_channel="paid_search",
            created_at="2025-03-01T09:00:00Z",
        ),
    ],
    "quotes": [
        # Q1 A1 new: created 2025-01-03 UTC, decided 01-12 -> cycle 9 days; 12 x 100 = 1200
        dict(
            quote_id="Q1",
            account_id="A1",
            owner_rep_id="R1",
            quote_type="new",
            status="accepted",
            currency="USD",
            created_at="2025-01-02T23:30:00-02:00",
            sent_at="2025-01-03T10:00:00Z",
            decided_at="2025-01-12T10:00:00Z",
            contract_start_date="2025-01-01",
            term_months=12,
        ),
        # Q2 A2 new EUR: decided 01-20 (1.10); 3 x 100 EUR = 300 EUR = 330 USD; ends 04-15
        dict(
            quote_id="Q2",
            account_id="A2",
            owner_rep_id="R1",
            quote_type="new",
            status="accepted",
            currency="EUR",
            created_at="2025-01-05T10:00:00Z",
            sent_at="2025-01-06T10:00:00Z",
            decided_at="2025-01-20T10:00:00Z",
            contract_start_date="2025-01-15",
            term_months=3,
        ),
        # Q3 A2 renewal EUR: decided 04-10 (1.20); 300 EUR = 360 USD; starts 04-15 = Q2's end
        dict(
            quote_id="Q3",
            account_id="A2",
            owner_rep_id="R1",
            quote_type="renewal",
            status="accepted",
            currency="EUR",
            created_at="2025-04-01T10:00:00Z",
            sent_at="2025-04-02T10:00:00Z",
            decided_at="2025-04-10T10:00:00Z",
            contract_start_date="2025-04-15",
            term_months=3,
        ),
        # Q4 A4 new: 2 x 100 x 0.75 = 150/month x 2 + 1000 one-time = 1300; ends 03-31
        dict(
            quote_id="Q4",
            account_id="A4",
            owner_rep_id="R2",
            quote_type="new",
            status="accepted",
            currency="USD",
            created_at="2025-01-10T10:00:00Z",
            sent_at="2025-01-11T10:00:00Z",
            decided_at="2025-01-25T10:00:00Z",
            contract_start_date="2025-01-31",
            term_months=2,
        ),
        # Q5 A3 new GBP: decided 02-05 (1.25); 2 x 50 x 12 = 1200 GBP = 1500 USD
        dict(
            quote_id="Q5",
            account_id="A3",
            owner_rep_id="R2",
            quote_type="new",
            status="accepted",
            currency="GBP",
            created_at="2025-01-20T10:00:00Z",
            sent_at="2025-01-21T10:00:00Z",
            decided_at="2025-02-05T10:00:00Z",
            contract_start_date="2025-02-10",
            term_months=12,
        ),
        # Q6 A5 rejected 03-20: 3 x 100 x 0.9 x 12 = 3240 (never open at a month end)
        dict(
            quote_id="Q6",
            account_id="A5",
            owner_rep_id="R2",
            quote_type="new",
            status="rejected",
            currency="USD",
            created_at="2025-03-01T10:00:00Z",
            sent_at="2025-03-02T10:00:00Z",
            decided_at="2025-03-20T10:00:00Z",
            contract_start_date=None,
            term_months=12,
        ),
        # Q7 A5 expired 05-05, no term: 50 x 12 = 600; open at 03-31 and 04-30
        dict(
            quote_id="Q7",
            account_id="A5",
            owner_rep_id="R2",
            quote_type="new",
            status="expired",
            currency="USD",
            created_at="2025-03-05T10:00:00Z",
            sent_at="2025-03-06T10:00:00Z",
            decided_at="2025-05-05T10:00:00Z",
            contract_start_date=None,
            term_months=None,
        ),
        # Q8 A5 sent, open, EUR at created_at 05-10 (1.20): (100 x 0.8 x 12 + 500) x 1.2
        #    = 1460 EUR x 1.2 = 1752 USD
        dict(
            quote_id="Q8",
            account_id="A5",
            owner_rep_id="R1",
            quote_type="new",
            status="sent",
            currency="EUR",
            created_at="2025-05-10T10:00:00Z",
            sent_at="2025-05-12T10:00:00Z",
            decided_at=None,
            contract_start_date=None,
            term_months=None,
        ),
        # Q9 A1 draft expansion, never sent: 50 x 12 = 600
        dict(
            quote_id="Q9",
            account_id="A1",
            owner_rep_id="R1",
            quote_type="expansion",
            status="draft",
            currency="USD",
            created_at="2025-06-05T10:00:00Z",
            sent_at=None,
            decided_at=None,
            contract_start_date=None,
            term_months=None,
        ),
        # Q10 A1 expansion: 50 x 11 = 550, ACV 600; cycle 02-01 -> 02-11 = 10 days
        dict(
            quote_id="Q10",
            account_id="A1",
            owner_rep_id="R1",
            quote_type="expansion",
            status="accepted",
            currency="USD",
            created_at="2025-02-01T10:00:00Z",
            sent_at="2025-02-02T10:00:00Z",
            decided_at="2025-02-11T10:00:00Z",
            contract_start_date="2025-02-01",
            term_months=11,
        ),
        # Q11 created after the as-of date
        dict(
            quote_id="Q11",
            account_id="A5",
            owner_rep_id="R2",
            quote_type="new",
            status="draft",
            currency="USD",
            created_at="2025-07-05T10:00:00Z",
            sent_at=None,
            decided_at=None,
            contract_start_date=None,
            term_months=None,
        ),
    ],
    "quote_lines": [
        dict(
            quote_line_id="QL1",
            quote_id="Q1",
            product_id="PLAT",
            quantity="1",
            unit_price="100",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL2",
            quote_id="Q2",
            product_id="PLAT",
            quantity="1",
            unit_price="100",
            discount_pct="0",
        ),
        dict(
            quote_line_id="QL3",
            quote_id="Q3",
            product_id="PLAT",
            quantity="1",
            unit_price="100",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL4a",
            quote_id="Q4",
            product_id="PLAT",
            quantity="2",
            unit_price="100",
            discount_pct="25",
        ),
        dict(
            quote_line_id="QL4b",
            quote_id="Q4",
            product_id="SVC",
            quantity="1",
            unit_price="1000",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL5",
            quote_id="Q5",
            product_id="ADDON",
            quantity="2",
            unit_price="50",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL6",
            quote_id="Q6",
            product_id="PLAT",
            quantity="3",
            unit_price="100",
            discount_pct="10",
        ),
        dict(
            quote_line_id="QL7",
            quote_id="Q7",
            product_id="ADDON",
            quantity="1",
            unit_price="50",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL8a",
            quote_id="Q8",
            product_id="PLAT",
            quantity="1",
            unit_price="100",
            discount_pct="20",
        ),
        dict(
            quote_line_id="QL8b",
            quote_id="Q8",
            product_id="SVC",
            quantity="1",
            unit_price="500",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL9",
            quote_id="Q9",
            product_id="ADDON",
            quantity="1",
            unit_price="50",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL10",
            quote_id="Q10",
            product_id="PLAT",
            quantity="1",
            unit_price="50",
            discount_pct=None,
        ),
        dict(
            quote_line_id="QL11",
            quote_id="Q11",
            product_id="PLAT",
            quantity="1",
            unit_price="100",
            discount_pct=None,
        ),
    ],
    "invoices": [
        dict(
            invoice_id="I1",
            invoice_number="INV-1",
            account_id="A1",
            quote_id="Q1",
            status="paid",
            currency="USD",
            issued_at="2025-01-01",
            due_at="2025-01-31",
            total_amount="100",
        ),
        dict(
            invoice_id="I2",
            invoice_number="INV-2",
            account_id="A1",
            quote_id="Q1",
            status="paid",
            currency="USD",
            issued_at="2025-02-01",
            due_at="2025-02-28",
            total_amount="150",
        ),
        dict(
            invoice_id="I3",
            invoice_number="INV-3",
            account_id="A1",
            quote_id="Q1",
            status="open",
            currency="USD",
            issued_at="2025-03-01",
            due_at="2025-03-31",
            total_amount="150",
        ),
        dict(
            invoice_id="I4",
            invoice_number="INV-4",
            account_id="A1",
            quote_id="Q1",
            status="paid",
            currency="USD",
            issued_at="2025-04-01",
            due_at="2025-04-30",
            total_amount="120",
        ),
        dict(
            invoice_id="I5",
            invoice_number="INV-5",
            account_id="A1",
            quote_id="Q1",
            status="void",
            currency="USD",
            issued_at="2025-05-01",
            due_at="2025-05-31",
            total_amount="150",
        ),
        dict(
            invoice_id="I6",
            invoice_number=None,
            account_id="A1",
            quote_id="Q1",
            status="draft",
            currency="USD",
            issued_at=None,
            due_at=None,
            total_amount="150",
        ),
        dict(
            invoice_id="I7",
            invoice_number="INV-7",
            account_id="A1",
            quote_id="Q1",
            status="open",
            currency="USD",
            issued_at="2025-06-01",
            due_at=None,
            total_amount="80",
        ),
        dict(
            invoice_id="I8",
            invoice_number="INV-8",
            account_id="A2",
            quote_id="Q2",
            status="paid",
            currency="EUR",
            issued_at="2025-01-15",
            due_at="2025-02-14",
            total_amount="300",
        ),
        dict(
            invoice_id="I9",
            invoice_number="INV-9",
            account_id="A2",
            quote_id="Q3",
            status="open",
            currency="EUR",
            issued_at="2025-04-15",
            due_at="2025-05-15",
            total_amount="300",
        ),
        dict(
            invoice_id="I10",
            invoice_number="INV-10",
            account_id="A3",
            quote_id="Q5",
            status="uncollectible",
            currency="GBP",
            issued_at="2025-02-10",
            due_at="2025-03-12",
            total_amount="1200",
        ),
        dict(
            invoice_id="I11",
            invoice_number="INV-11",
            account_id="A4",
            quote_id="Q4",
            status="paid",
            currency="USD",
            issued_at="2025-01-31",
            due_at="2025-02-15",
            total_amount="1300",
        ),
        dict(
            invoice_id="I12",
            invoice_number="INV-12",
            account_id="A2",
            quote_id=None,
            status="open",
            currency="EUR",
            issued_at="2025-06-01",
            due_at="2025-07-01",
            total_amount="-0.0040",
        ),
    ],
    "invoice_lines": [
        dict(
            invoice_line_id="L1",
            invoice_id="I1",
            product_id="PLAT",
            amount="100",
            period_start="2025-01-01",
            period_end="2025-02-01",
        ),
        dict(
            invoice_line_id="L2",
            invoice_id="I2",
            product_id="PLAT",
            amount="150",
            period_start="2025-02-01",
            period_end="2025-03-01",
        ),
        dict(
            invoice_line_id="L3",
            invoice_id="I3",
            product_id="PLAT",
            amount="150",
            period_start="2025-03-01",
            period_end="2025-04-01",
        ),
        dict(
            invoice_line_id="L4a",
            invoice_id="I4",
            product_id="PLAT",
            amount="150",
            period_start="2025-04-01",
            period_end="2025-05-01",
        ),
        dict(
            invoice_line_id="L4b",
            invoice_id="I4",
            product_id="PLAT",
            amount="-30",
            description="credit",
            period_start="2025-04-01",
            period_end="2025-05-01",
        ),
        dict(
            invoice_line_id="L5",
            invoice_id="I5",
            product_id="PLAT",
            amount="150",
            period_start="2025-05-01",
            period_end="2025-06-01",
        ),
        dict(
            invoice_line_id="L6",
            invoice_id="I6",
            product_id="PLAT",
            amount="150",
            period_start="2025-06-01",
            period_end="2025-07-01",
        ),
        dict(
            invoice_line_id="L7",
            invoice_id="I7",
            product_id="PLAT",
            amount="80",
            period_start="2025-06-01",
            period_end="2025-07-01",
        ),
        dict(
            invoice_line_id="L8",
            invoice_id="I8",
            product_id="PLAT",
            amount="300",
            period_start="2025-01-15",
            period_end="2025-04-15",
        ),
        dict(
            invoice_line_id="L9",
            invoice_id="I9",
            product_id="PLAT",
            amount="300",
            period_start="2025-04-15",
            period_end="2025-07-15",
        ),
        dict(
            invoice_line_id="L10",
            invoice_id="I10",
            product_id="ADDON",
            amount="1200",
            period_start="2025-02-10",
            period_end="2026-02-10",
        ),
        dict(
            invoice_line_id="L11a",
            invoice_id="I11",
            product_id="PLAT",
            amount="300",
            period_start="2025-01-31",
            period_end="2025-03-15",
        ),
        dict(
            invoice_line_id="L11b",
            invoice_id="I11",
            product_id="SVC",
            amount="1000",
            period_start=None,
            period_end=None,
        ),
        dict(
            invoice_line_id="L12",
            invoice_id="I12",
            product_id="PLAT",
            amount="-0.0040",
            description="rounding credit",
            period_start="2025-06-01",
            period_end="2025-07-01",
        ),
    ],
    "payments": [
        dict(
            payment_id="PM1",
            invoice_id="I1",
            account_id="A1",
            amount="100",
            currency="USD",
            received_at="2025-01-20T12:00:00Z",
            method="card",
            status="succeeded",
        ),
        dict(
            payment_id="PM2a",
            invoice_id="I2",
            account_id="A1",
            amount="150",
            currency="USD",
            received_at="2025-02-05T12:00:00Z",
            method="card",
            status="refunded",
        ),
        dict(
            payment_id="PM2b",
            invoice_id="I2",
            account_id=None,
            amount="150",
            currency="USD",
            received_at="2025-02-20T12:00:00Z",
            method="ach",
            status="succeeded",
        ),
        dict(
            payment_id="PM3a",
            invoice_id="I3",
            account_id="A1",
            amount="50",
            currency="USD",
            received_at="2025-03-20T12:00:00Z",
            method="card",
            status="succeeded",
        ),
        dict(
            payment_id="PM3b",
            invoice_id="I3",
            account_id="A1",
            amount="100",
            currency="USD",
            received_at="2025-03-25T12:00:00Z",
            method="card",
            status="failed",
        ),
        dict(
            payment_id="PM4",
            invoice_id="I4",
            account_id="A1",
            amount="120",
            currency="USD",
            received_at="2025-04-10T12:00:00Z",
            method="wire",
            status="succeeded",
        ),
        dict(
            payment_id="PM8",
            invoice_id="I8",
            account_id="A2",
            amount="300",
            currency="EUR",
            received_at="2025-03-10T12:00:00Z",
            method="wire",
            status="succeeded",
        ),
        dict(
            payment_id="PM10",
            invoice_id="I10",
            account_id="A3",
            amount="200",
            currency="GBP",
            received_at="2025-03-05T12:00:00Z",
            method="wire",
            status="succeeded",
        ),
        dict(
            payment_id="PM11",
            invoice_id="I11",
            account_id="A4",
            amount="1300",
            currency="USD",
            received_at="2025-02-15T12:00:00Z",
            method="check",
            status="succeeded",
        ),
    ],
    "fx_rates": [
        dict(currency="EUR", rate_date="2024-12-01", usd_per_unit="1.10"),
        dict(currency="EUR", rate_date="2025-03-01", usd_per_unit="1.20"),
        dict(currency="GBP", rate_date="2024-12-01", usd_per_unit="1.25"),
        dict(currency="GBP", rate_date="2025-03-01", usd_per_unit="1.30"),
    ],
    "sales_targets": [
        dict(owner_rep_id="R1", month="2025-01-01", target_amount_usd="1500"),
        dict(owner_rep_id="R1", month="2025-02-01", target_amount_usd="500"),
        dict(owner_rep_id="R1", month="2025-04-01", target_amount_usd="300"),
        dict(owner_rep_id="R2", month="2025-01-01", target_amount_usd="1000"),
        dict(owner_rep_id="R2", month="2025-02-01", target_amount_usd="2000"),
        dict(owner_rep_id="R2", month="2025-03-01", target_amount_usd="1000"),
    ],
    "marketing_spend": [
        dict(month="2025-01-01", channel="inbound", amount_usd="300"),
        dict(month="2025-01-01", channel="partner", amount_usd="200"),
        dict(month="2025-02-01", channel="outbound", amount_usd="500"),
        dict(month="2025-03-01", channel="paid_search", amount_usd="100"),
    ],
}

# I3 arrives first as a draft and later as open: the later version wins.
EARLIER_VERSIONS: dict[str, list[dict[str, object]]] = {
    "invoices": [
        dict(
            invoice_id="I3",
            invoice_number="INV-3",
            account_id="A1",
            quote_id="Q1",
            status="draft",
            currency="USD",
            issued_at=None,
            due_at=None,
            total_amount="150",
            updated_at="2025-02-25T00:00:00Z",
        ),
    ],
}


def write_landing(landing: Path, customer_success: bool = True) -> Path:
    """Write the company as contract CSV files, one folder per entity (the optional
    sales entities of leads_company.py and forecasts_company.py included, and with
    `customer_success` the CSAT responses, usage rows and unit costs of cs_company.py;
    without it the products file has no unit_cost column, as a landing that predates it)."""
    from tests.metrics import cs_company, forecasts_company, leads_company

    entities = {**LANDING, **leads_company.LANDING, **forecasts_company.LANDING}
    # the invoice lines' quantities (the margin's input; no other number reads them)
    entities["invoice_lines"] = [
        {**row, "quantity": cs_company.LINE_QUANTITIES.get(str(row["invoice_line_id"]))}
        for row in entities["invoice_lines"]
    ]
    if customer_success:
        entities.update(cs_company.LANDING)
        entities["products"] = [
            {
                **row,
                "unit_cost": cs_company.UNIT_COSTS.get(str(row["product_id"])),
                "currency": cs_company.PRODUCT_CURRENCIES.get(
                    str(row["product_id"]), row["currency"]
                ),
            }
            for row in entities["products"]
        ]
    for name, rows in entities.items():
        ent = entity(name)
        columns = [
            col
            for col in ent.column_names
            if customer_success or (name, col) != ("products", "unit_cost")
        ]
        folder = landing / name
        folder.mkdir(parents=True, exist_ok=True)
        batches = [("2025-07-10.csv", rows)]
        if name in EARLIER_VERSIONS:
            batches.insert(0, ("2025-02-25.csv", EARLIER_VERSIONS[name]))
        for file_name, batch in batches:
            with (folder / file_name).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                for row in batch:
                    full = {col: row.get(col) for col in columns}
                    if "updated_at" in full and full["updated_at"] is None:
                        full["updated_at"] = U
                    if "is_deleted" in full and full["is_deleted"] is None:
                        full["is_deleted"] = "false"
                    writer.writerow({k: "" if v is None else v for k, v in full.items()})
    return landing


# ---------------------------------------------------------------------------------------
# MRR per account (USD) as of each month end; monthly value = amount_usd / months_in_period
#   A1: I1 L1 100 [01-01, 02-01) 1 month -> Jan 100
#       I2 L2 150 [02-01, 03-01) -> Feb 150; I3 L3 150 [03-01, 04-01) -> Mar 150
#       I4 L4a 150 + L4b -30 [04-01, 05-01) -> Apr 120; I5 is void -> May 0
#       I6 is a draft; I7 L7 80 [06-01, 07-01) -> Jun 80
#   A2: I8 300 EUR x 1.10 (issued 01-15) = 330 USD over [01-15, 04-15): 01-15 + 3 months
#       = 04-15 -> m = 3, r = 0 -> 330 / 3 = 110 for Jan, Feb, Mar (04-30 >= 04-15: not Apr)
#       I9 300 EUR x 1.20 (issued 04-15) = 360 over [04-15, 07-15) -> 120 for Apr, May, Jun
#       I12 -0.0040 EUR x 1.20 = -0.0048 over [06-01, 07-01) -> Jun 120 - 0.0048 = 119.9952
#   A3: I10 1200 GBP x 1.25 = 1500 over [2025-02-10, 2026-02-10): 12 months -> 125 Feb..Jun
#   A4: I11 L11a 300 over [01-31, 03-15): 01-31 + 1 month = 02-28 (clamped) <= 03-15,
#       + 2 months = 03-31 > 03-15 -> m = 1, r = 03-15 - 02-28 = 15 days -> 1.5 months
#       -> 300 / 1.5 = 200 for Jan (01-31 in period) and Feb (02-28 < 03-15); Mar 0
# ---------------------------------------------------------------------------------------
MRR = {
    #      A1       A2                 A3       A4
    JAN: {"A1": F(100), "A2": F(110), "A3": F(0), "A4": F(200)},
    FEB: {"A1": F(150), "A2": F(110), "A3": F(125), "A4": F(200)},
    MAR: {"A1": F(150), "A2": F(110), "A3": F(125), "A4": F(0)},
    APR: {"A1": F(120), "A2": F(120), "A3": F(125), "A4": F(0)},
    MAY: {"A1": F(0), "A2": F(120), "A3": F(125), "A4": F(0)},
    JUN: {"A1": F(80), "A2": F("119.9952"), "A3": F(125), "A4": F(0)},
}

# fct_mrr: (account, month) -> (mrr, prev_mrr, movement, movement_amount)
# A2 in June: |119.9952 - 120| = 0.0048 < 0.005 -> equal -> unchanged, amount 0.
FCT_MRR = {
    ("A1", JAN): (F(100), F(0), "new", F(100)),
    ("A1", FEB): (F(150), F(100), "expansion", F(50)),  # 150 - 100
    ("A1", MAR): (F(150), F(150), "unchanged", F(0)),
    ("A1", APR): (F(120), F(150), "contraction", F(-30)),  # 120 - 150
    ("A1", MAY): (F(0), F(120), "churn", F(-120)),
    ("A1", JUN): (F(80), F(0), "reactivation", F(80)),  # Jan..Apr had MRR > 0
    ("A2", JAN): (F(110), F(0), "new", F(110)),
    ("A2", FEB): (F(110), F(110), "unchanged", F(0)),
    ("A2", MAR): (F(110), F(110), "unchanged", F(0)),
    ("A2", APR): (F(120), F(110), "expansion", F(10)),  # FX 1.10 -> 1.20
    ("A2", MAY): (F(120), F(120), "unchanged", F(0)),
    ("A2", JUN): (F("119.9952"), F(120), "unchanged", F(0)),
    # A3 starts in February, its first month with MRR > 0
    ("A3", FEB): (F(125), F(0), "new", F(125)),
    ("A3", MAR): (F(125), F(125), "unchanged", F(0)),
    ("A3", APR): (F(125), F(125), "unchanged", F(0)),
    ("A3", MAY): (F(125), F(125), "unchanged", F(0)),
    ("A3", JUN): (F(125), F(125), "unchanged", F(0)),
    ("A4", JAN): (F(200), F(0), "new", F(200)),
    ("A4", FEB): (F(200), F(200), "unchanged", F(0)),
    ("A4", MAR): (F(0), F(200), "churn", F(-200)),
    ("A4", APR): (F(0), F(0), "unchanged", F(0)),
    ("A4", MAY): (F(0), F(0), "unchanged", F(0)),
    ("A4", JUN): (F(0), F(0), "unchanged", F(0)),
}

# ---------------------------------------------------------------------------------------
# Recognized revenue, line by line (USD, ratably by day over [period_start, period_end)):
#   L8  330 over 90 days (Jan 17, Feb 28, Mar 31, Apr 14)
#   L9  360 over 91 days (Apr 16, May 31, Jun 30, Jul 14)
#   L10 1500 over 365 days (Feb 19, Mar 31, Apr 30, May 31, Jun 30, ...)
#   L11a 300 over 43 days (Jan 1, Feb 28, Mar 14)
#   L11b 1000, no period: in full on 01-31. One-month lines fall in their month.
# ---------------------------------------------------------------------------------------
RECOGNIZED = {
    JAN: F(100) + F(330 * 17, 90) + F(300 * 1, 43) + F(1000),  # L1 + L8 + L11a + L11b
    FEB: F(150) + F(330 * 28, 90) + F(1500 * 19, 365) + F(300 * 28, 43),
    MAR: F(150) + F(330 * 31, 90) + F(1500 * 31, 365) + F(300 * 14, 43),
    APR: F(150) - F(30) + F(330 * 14, 90) + F(360 * 16, 91) + F(1500 * 30, 365),
    MAY: F(360 * 31, 91) + F(1500 * 31, 365),
    JUN: F(80) + F(360 * 30, 91) + F(1500 * 30, 365) - F("0.0048"),
}
# Deferred = what is still to recognize of lines of invoices issued by the month end
DEFERRED = {
    JAN: F(330 * 73, 90) + F(300 * 42, 43),  # L8 90-17 days left, L11a 43-1
    FEB: F(330 * 45, 90) + F(1500 * 346, 365) + F(300 * 14, 43),  # 73-28, 365-19, 42-28
    MAR: F(330 * 14, 90) + F(1500 * 315, 365),  # 45-31, 346-31, L11a done
    APR: F(360 * 75, 91) + F(1500 * 285, 365),  # L8 done, L9 91-16, L10 315-30
    MAY: F(360 * 44, 91) + F(1500 * 254, 365),  # 75-31, 285-31
    JUN: F(360 * 14, 91) + F(1500 * 224, 365),  # 44-30, 254-30; L7, L12 fully in June
}

# Invoiced: total_amount_usd of billable invoices (open, paid, uncollectible) issued in M
INVOICED = {
    JAN: F(100) + F(330) + F(1300),  # I1 + I8 (300 EUR x 1.10) + I11 = 1730
    FEB: F(150) + F(1500),  # I2 + I10 (1200 GBP x 1.25, uncollectible still invoiced)
    MAR: F(150),  # I3
    APR: F(120) + F(360),  # I4 + I9 (300 EUR x 1.20)
    MAY: F(0),  # I5 is void
    JUN: F(80) - F("0.0048"),  # I7 + I12 (-0.0040 EUR x 1.20); I6 is a draft
}

# Collections: succeeded payments at the received_at rate
COLLECTIONS = {
    JAN: F(100),  # PM1
    FEB: F(150) + F(1300),  # PM2b + PM11; PM2a refunded
    MAR: F(50) + F(300) * F("1.20") + F(200) * F("1.30"),  # PM3a + PM8 + PM10 = 670;
    APR: F(120),  # PM4                                      PM3b failed
    MAY: F(0),
    JUN: F(0),
}

# ---------------------------------------------------------------------------------------
# Receivables: open/paid invoices; payments at the invoice's rate; I10 written off.
#   I1 100 paid 01-20; I2 150 paid 02-20 (PM2a refunded); I3 150 - 50 = 100 open forever
#   I4 120 paid 04-10; I7 80 open (due null -> aged from issued 06-01)
#   I8 330 paid 03-10 (300 EUR at the invoice's 1.10 = 330); I9 360 open (due 05-15)
#   I11 1300 paid 02-15; I12 -0.0048: balance <= 0.005 from 06-01, never positive
# AR aging, days = month_end - due_at:
#   01-31: I8 due 02-14 -> -14 current; I11 due 02-15 -> -15 current
#   02-28: I8 -> 14 (1_30)
#   03-31: I3 due 03-31 -> 0 current
#   04-30: I3 -> 30 (1_30); I9 -> -15 current
#   05-31: I3 -> 61 (61_90); I9 -> 16 (1_30)
#   06-30: I3 -> 91 (over_90); I9 -> 46 (31_60); I7 06-30 - 06-01 = 29 (1_30)
# ---------------------------------------------------------------------------------------
BUCKETS = ["current", "1_30", "31_60", "61_90", "over_90"]
AGING = {
    JAN: {"current": F(330) + F(1300)},
    FEB: {"1_30": F(330)},
    MAR: {"current": F(100)},
    APR: {"current": F(360), "1_30": F(100)},
    MAY: {"1_30": F(360), "61_90": F(100)},
    JUN: {"1_30": F(80), "31_60": F(360), "over_90": F(100)},
}
AR = {m: sum(AGING[m].values(), F(0)) for m in MONTHS}  # 1630, 330, 100, 460, 460, 540

# Days to pay by paid month: I1 01-01 -> 01-20 = 19; I2 02-01 -> 02-20 = 19;
# I11 01-31 -> 02-15 = 15; I8 01-15 -> 03-10 = 16 + 28 + 10 = 54; I4 04-01 -> 04-10 = 9;
# I12 06-01 -> 06-01 = 0 (balance -0.0048 <= 0.005 on its issue date)
AVG_DAYS_TO_PAY = {
    JAN: F(19),
    FEB: F(19 + 15, 2),
    MAR: F(54),
    APR: F(9),
    MAY: None,
    JUN: F(0),
}
DAYS_IN_MONTH = {JAN: 31, FEB: 28, MAR: 31, APR: 30, MAY: 31, JUN: 30}

# ---------------------------------------------------------------------------------------
# Quotes (USD): TCV / ACV of accepted quotes, by decided month
#   Jan: Q1 1200 / 1200 (R1, new), Q2 330 / 12 x 100 x 1.10 = 1320 (R1, new),
#        Q4 1300 / 12 x 150 = 1800 (R2, new)   -> TCV 2830, ACV 4320
#   Feb: Q5 1500 / 12 x 100 x 1.25 = 1500 (R2, new), Q10 550 / 600 (R1, expansion)
#        -> TCV 2050, ACV 2100
#   Apr: Q3 360 / 12 x 100 x 1.20 = 1440 (R1, renewal)
# Cycle days (UTC dates): Q1 01-03 -> 01-12 = 9, Q2 15, Q4 15, Q5 01-20 -> 02-05 = 16,
#   Q10 10, Q3 9
# Decisions: Jan Q1 Q2 Q4 accepted; Feb Q5 Q10 accepted; Mar Q6 rejected; Apr Q3
#   accepted; May Q7 expired; Jun none
# Open pipeline at month ends (created <= D, undecided or decided after D):
#   12-31: none; 01-31: Q5 (decided 02-05) 1500; 02-28: none; 03-31: Q7 600;
#   04-30: Q7 600; 05-31: Q8 1752 (Q7 decided 05-05); 06-30: Q8 1752 + Q9 600 = 2352
# ---------------------------------------------------------------------------------------
OPEN_PIPELINE_VALUE = {
    "2024-12-01": F(0),
    JAN: F(1500),
    FEB: F(0),
    MAR: F(600),
    APR: F(600),
    MAY: F(1752),
    JUN: F(2352),
}
OPEN_PIPELINE_COUNT = {
    "2024-12-01": 0,
    JAN: 1,
    FEB: 0,
    MAR: 1,
    APR: 1,
    MAY: 1,
    JUN: 2,
}
TARGETS = {JAN: F(1500 + 1000), FEB: F(500 + 2000), MAR: F(1000), APR: F(300)}

# Backlog(D): accepted TCV minus billed lines (billable invoices with the quote_id)
#   Q1 1200 billed: I1 100 (01-01), I2 150, I3 150, I4 120 (150 - 30), I5 void,
#       I6 draft, I7 80 (06-01) -> 1100, 950, 800, 680, 680, 600
#   Q2 330 - I8 330 = 0; Q4 1300 - I11 1300 = 0 (issued 01-31); Q5 1500 - I10 1500 = 0;
#   Q3 360 - I9 360 = 0 (from 04-15); Q10 550, never billed (from 02-11)
BACKLOG = {
    JAN: F(1100),
    FEB: F(950 + 550),
    MAR: F(800 + 550),
    APR: F(680 + 550),
    MAY: F(680 + 550),
    JUN: F(600 + 550),
}

# Contracts ending in M: Q4 01-31 + 2 months = 03-31 (Mar, no renewal);
#   Q2 01-15 + 3 = 04-15 (Apr; renewed by Q3, a renewal starting 04-15, 0 days away);
#   Q3 ends 07-15, Q1 2026-01-01, Q10 2026-01-01, Q5 2026-02-10: outside the range
RENEWALS = {  # month: (due, won)
    JAN: (0, 0),
    FEB: (0, 0),
    MAR: (1, 0),
    APR: (1, 1),
    MAY: (0, 0),
    JUN: (0, 0),
}


def _ratio(num: F | None, den: F | None) -> F | None:
    """METRICS: a rate with a zero or null denominator is null."""
    if num is None or den is None or den == 0:
        return None
    return num / den


def _mean(values: list[F]) -> F | None:
    return sum(values, F(0)) / len(values) if values else None


def _movement_totals(month: str) -> dict[str, F]:
    kinds = ["new", "expansion", "contraction", "churn", "reactivation"]
    totals = {k: F(0) for k in kinds}
    counts = {k: 0 for k in kinds}
    for (_, m), (_, _, kind, amount) in FCT_MRR.items():
        if m == month and kind in totals:
            totals[kind] += amount
            counts[kind] += 1
    return {**totals, **{f"{k}_count": F(v) for k, v in counts.items()}}


def expected_metrics_monthly() -> dict[str, dict[str, F | None]]:
    """Every column of metrics_monthly for every month.

    The per-month inputs above are hand-derived; this function only assembles the
    formulas of docs/metrics.md from them, and each resulting value is also spelled out
    as a literal in EXPECTED_LITERALS (test_metrics_marts checks both agree).
    """
    out: dict[str, dict[str, F | None]] = {}
    prev_month = {JAN: "2024-12-01", FEB: JAN, MAR: FEB, APR: MAR, MAY: APR, JUN: MAY}
    for month in MONTHS:
        row: dict[str, F | None] = {}
        mrr = sum(MRR[month].values(), F(0))
        active = sum(1 for v in MRR[month].values() if v > 0)
        pm = prev_month[month]
        prev_mrr = sum(MRR[pm].values(), F(0)) if pm in MRR else F(0)
        prev_active = sum(1 for v in MRR[pm].values() if v > 0) if pm in MRR else 0
        mv = _movement_totals(month)
        row["mrr"] = mrr
        row["arr"] = 12 * mrr
        row["active_customers"] = F(active)
        row["new_customers"] = mv["new_count"]
        row["churned_customers"] = mv["churn_count"]
        row["reactivated_customers"] = mv["reactivation_count"]
        row["new_mrr"] = mv["new"]
        row["expansion_mrr"] = mv["expansion"]
        row["contraction_mrr"] = mv["contraction"]
        row["churned_mrr"] = mv["churn"]
        row["reactivation_mrr"] = mv["reactivation"]
        row["net_new_mrr"] = (
            mv["new"] + mv["expansion"] + mv["contraction"] + mv["churn"] + mv["reactivation"]
        )
        row["logo_churn_rate"] = _ratio(mv["churn_count"], F(prev_active))
        row["gross_mrr_churn_rate"] = _ratio(-(mv["contraction"] + mv["churn"]), prev_mrr)
        row["net_mrr_retention"] = _ratio(
            prev_mrr + mv["expansion"] + mv["contraction"] + mv["churn"], prev_mrr
        )
        row["gross_mrr_retention"] = _ratio(prev_mrr + mv["contraction"] + mv["churn"], prev_mrr)
        row["nrr_12m"] = None  # no account is active twelve months before any month
        row["grr_12m"] = None
        row["arpu"] = _ratio(mrr, F(active))
        out[month] = row
    # LTV: ARPU / mean of the non-null logo churn rates of M-2..M
    for i, month in enumerate(MONTHS):
        window = [out[m]["logo_churn_rate"] for m in MONTHS[max(0, i - 2) : i + 1]]
        rates = [r for r in window if r is not None]
        mean_churn = _mean(rates)
        out[month]["ltv"] = None if not mean_churn else _ratio(out[month]["arpu"], mean_churn)
    for month in MONTHS:
        row = out[month]
        row["invoiced"] = INVOICED[month]
        row["recognized_revenue"] = RECOGNIZED[month]
        row["deferred_revenue"] = DEFERRED[month]
        row["collections"] = COLLECTIONS[month]
        row["accounts_receivable"] = AR[month]
        row["dso"] = (
            None if INVOICED[month] == 0 else AR[month] / INVOICED[month] * DAYS_IN_MONTH[month]
        )
        row["avg_days_to_pay"] = AVG_DAYS_TO_PAY[month]
    return out


# Every metrics_monthly value as a literal, worked out by hand (None = null).
EXPECTED_LITERALS: dict[str, dict[str, F | None]] = {
    JAN: {
        "mrr": F(410),  # 100 + 110 + 0 + 200
        "arr": F(4920),  # 12 x 410
        "active_customers": F(3),  # A1, A2, A4
        "new_customers": F(3),
        "churned_customers": F(0),
        "reactivated_customers": F(0),
        "new_mrr": F(410),  # 100 + 110 + 200
        "expansion_mrr": F(0),
        "contraction_mrr": F(0),
        "churned_mrr": F(0),
        "reactivation_mrr": F(0),
        "net_new_mrr": F(410),
        "logo_churn_rate": None,  # 0 active in Dec 2024
        "gross_mrr_churn_rate": None,  # MRR(Dec) = 0
        "net_mrr_retention": None,
        "gross_mrr_retention": None,
        "nrr_12m": None,
        "grr_12m": None,
        "arpu": F(410, 3),
        "ltv": None,  # no churn rate in Nov..Jan
        "invoiced": F(1730),
        "recognized_revenue": F(100) + F(330 * 17, 90) + F(300, 43) + F(1000),  # 1169.31...
        "deferred_revenue": F(330 * 73, 90) + F(300 * 42, 43),  # 560.69...
        "collections": F(100),
        "accounts_receivable": F(1630),
        "dso": F(1630, 1730) * 31,  # 29.208...
        "avg_days_to_pay": F(19),
        "bookings_tcv": F(2830),  # 1200 + 330 + 1300
        "bookings_acv": F(4320),  # 1200 + 1320 + 1800
        "bookings_tcv_new": F(2830),
        "bookings_tcv_renewal": F(0),
        "bookings_tcv_expansion": F(0),
        "win_rate": F(1),  # 3 / 3
        "avg_sales_cycle_days": F(9 + 15 + 15, 3),  # 13
        "open_pipeline_value": F(1500),  # Q5 at 01-31
        "pipeline_coverage": F(0),  # pipeline at 12-31 = 0 / targets 2500
        "team_quota_attainment_rate": F(1),  # R1 1530/1500, R2 1300/1000 -> 2 of 2
        "sales_velocity": F(0),  # open count at 12-31 = 0 x ...
        "quotes_created": F(4),  # Q1 (01-03 UTC), Q2, Q4, Q5
        "quote_sent_rate": F(1),  # 4 / 4
        "quote_acceptance_rate": F(1),  # 4 accepted / 4 sent
        "renewals_due": F(0),
        "renewals_won": F(0),
        "renewal_rate": None,
        "backlog": F(1100),
        "cac": F(300 + 200, 3),  # spend 500 / 3 new customers
    },
    FEB: {
        "mrr": F(585),  # 150 + 110 + 125 + 200
        "arr": F(7020),
        "active_customers": F(4),
        "new_customers": F(1),  # A3
        "churned_customers": F(0),
        "reactivated_customers": F(0),
        "new_mrr": F(125),
        "expansion_mrr": F(50),  # A1 100 -> 150
        "contraction_mrr": F(0),
        "churned_mrr": F(0),
        "reactivation_mrr": F(0),
        "net_new_mrr": F(175),  # 585 - 410
        "logo_churn_rate": F(0),  # 0 / 3
        "gross_mrr_churn_rate": F(0),  # 0 / 410
        "net_mrr_retention": F(460, 410),  # (410 + 50) / 410
        "gross_mrr_retention": F(1),  # 410 / 410
        "nrr_12m": None,
        "grr_12m": None,
        "arpu": F(585, 4),  # 146.25
        "ltv": None,  # mean churn over Dec..Feb = mean(0) = 0 -> null
        "invoiced": F(1650),
        "recognized_revenue": F(150) + F(330 * 28, 90) + F(1500 * 19, 365) + F(300 * 28, 43),
        "deferred_revenue": F(330 * 45, 90) + F(1500 * 346, 365) + F(300 * 14, 43),
        "collections": F(1450),
        "accounts_receivable": F(330),
        "dso": F(330, 1650) * 28,  # 5.6
        "avg_days_to_pay": F(17),  # (19 + 15) / 2
        "bookings_tcv": F(2050),  # 1500 + 550
        "bookings_acv": F(2100),  # 1500 + 600
        "bookings_tcv_new": F(1500),
        "bookings_tcv_renewal": F(0),
        "bookings_tcv_expansion": F(550),
        "win_rate": F(1),  # 2 / 2
        "avg_sales_cycle_days": F(13),  # (16 + 10) / 2
        "open_pipeline_value": F(0),
        "pipeline_coverage": F(1500, 2500),  # 0.6
        "team_quota_attainment_rate": F(1, 2),  # R1 550/500 >= 1, R2 1500/2000 < 1
        # open count at 01-31 = 1 x mean TCV Dec..Feb (1200+330+1300+1500+550)/5 = 976
        # x win rate 5/5 / mean cycle (9+15+15+16+10)/5 = 13
        "sales_velocity": F(976, 13),  # 75.077
        "quotes_created": F(1),  # Q10
        "quote_sent_rate": F(1),
        "quote_acceptance_rate": F(1),
        "renewals_due": F(0),
        "renewals_won": F(0),
        "renewal_rate": None,
        "backlog": F(1500),  # Q1 950 + Q10 550
        "cac": F(500),  # 500 / 1
    },
    MAR: {
        "mrr": F(385),  # 150 + 110 + 125 + 0
        "arr": F(4620),
        "active_customers": F(3),
        "new_customers": F(0),
        "churned_customers": F(1),  # A4
        "reactivated_customers": F(0),
        "new_mrr": F(0),
        "expansion_mrr": F(0),
        "contraction_mrr": F(0),
        "churned_mrr": F(-200),
        "reactivation_mrr": F(0),
        "net_new_mrr": F(-200),
        "logo_churn_rate": F(1, 4),  # 1 / 4
        "gross_mrr_churn_rate": F(200, 585),
        "net_mrr_retention": F(385, 585),  # (585 - 200) / 585
        "gross_mrr_retention": F(385, 585),
        "nrr_12m": None,
        "grr_12m": None,
        "arpu": F(385, 3),
        "ltv": F(385, 3) / F(1, 8),  # mean(0, 1/4) = 1/8 (Jan is null) -> 1026.67
        "invoiced": F(150),
        "recognized_revenue": F(150) + F(330 * 31, 90) + F(1500 * 31, 365) + F(300 * 14, 43),
        "deferred_revenue": F(330 * 14, 90) + F(1500 * 315, 365),
        "collections": F(670),  # 50 + 360 + 260
        "accounts_receivable": F(100),
        "dso": F(100, 150) * 31,  # 20.667
        "avg_days_to_pay": F(54),
        "bookings_tcv": F(0),
        "bookings_acv": F(0),
        "bookings_tcv_new": F(0),
        "bookings_tcv_renewal": F(0),
        "bookings_tcv_expansion": F(0),
        "win_rate": F(0),  # 0 / 1 (Q6 rejected)
        "avg_sales_cycle_days": None,
        "open_pipeline_value": F(600),  # Q7
        "pipeline_coverage": F(0),  # 0 at 02-28 / 1000
        "team_quota_attainment_rate": F(0),  # R2 0 / 1000
        # open count at 02-28 = 0 -> 0 (mean TCV Jan..Mar 976, win 5/6, cycle 13)
        "sales_velocity": F(0),
        "quotes_created": F(2),  # Q6, Q7
        "quote_sent_rate": F(1),
        "quote_acceptance_rate": F(0),  # 0 / 2
        "renewals_due": F(1),  # Q4 ends 03-31
        "renewals_won": F(0),
        "renewal_rate": F(0),
        "backlog": F(1350),  # 800 + 550
        "cac": None,  # spend 100 / 0 new customers
    },
    APR: {
        "mrr": F(365),  # 120 + 120 + 125
        "arr": F(4380),
        "active_customers": F(3),
        "new_customers": F(0),
        "churned_customers": F(0),
        "reactivated_customers": F(0),
        "new_mrr": F(0),
        "expansion_mrr": F(10),  # A2 110 -> 120
        "contraction_mrr": F(-30),  # A1 150 -> 120
        "churned_mrr": F(0),
        "reactivation_mrr": F(0),
        "net_new_mrr": F(-20),
        "logo_churn_rate": F(0),  # 0 / 3
        "gross_mrr_churn_rate": F(30, 385),
        "net_mrr_retention": F(365, 385),  # (385 + 10 - 30) / 385
        "gross_mrr_retention": F(355, 385),  # (385 - 30) / 385
        "nrr_12m": None,
        "grr_12m": None,
        "arpu": F(365, 3),
        "ltv": F(365, 3) / F(1, 12),  # mean(0, 1/4, 0) = 1/12 -> 1460
        "invoiced": F(480),
        "recognized_revenue": F(120) + F(330 * 14, 90) + F(360 * 16, 91) + F(1500 * 30, 365),
        "deferred_revenue": F(360 * 75, 91) + F(1500 * 285, 365),
        "collections": F(120),
        "accounts_receivable": F(460),  # I3 100 + I9 360
        "dso": F(460, 480) * 30,  # 28.75
        "avg_days_to_pay": F(9),
        "bookings_tcv": F(360),
        "bookings_acv": F(1440),
        "bookings_tcv_new": F(0),
        "bookings_tcv_renewal": F(360),
        "bookings_tcv_expansion": F(0),
        "win_rate": F(1),  # 1 / 1
        "avg_sales_cycle_days": F(9),
        "open_pipeline_value": F(600),  # Q7
        "pipeline_coverage": F(600, 300),  # 2
        "team_quota_attainment_rate": F(1),  # R1 360 / 300
        # 1 (Q7 at 03-31) x (1500 + 550 + 360)/3 x 3/4 (Q5 Q10 Q3 of Q5 Q10 Q6 Q3)
        # / ((16 + 10 + 9)/3)
        "sales_velocity": F(2410, 3) * F(3, 4) / F(35, 3),  # 51.643
        "quotes_created": F(1),  # Q3
        "quote_sent_rate": F(1),
        "quote_acceptance_rate": F(1),
        "renewals_due": F(1),  # Q2 ends 04-15
        "renewals_won": F(1),  # Q3 starts 04-15
        "renewal_rate": F(1),
        "backlog": F(1230),  # 680 + 550 + Q3 0
        "cac": None,  # no spend rows
    },
    MAY: {
        "mrr": F(245),  # 0 + 120 + 125
        "arr": F(2940),
        "active_customers": F(2),
        "new_customers": F(0),
        "churned_customers": F(1),  # A1
        "reactivated_customers": F(0),
        "new_mrr": F(0),
        "expansion_mrr": F(0),
        "contraction_mrr": F(0),
        "churned_mrr": F(-120),
        "reactivation_mrr": F(0),
        "net_new_mrr": F(-120),
        "logo_churn_rate": F(1, 3),
        "gross_mrr_churn_rate": F(120, 365),
        "net_mrr_retention": F(245, 365),
        "gross_mrr_retention": F(245, 365),
        "nrr_12m": None,
        "grr_12m": None,
        "arpu": F(245, 2),  # 122.5
        "ltv": F(245, 2) / F(7, 36),  # mean(1/4, 0, 1/3) = 7/36 -> 630
        "invoiced": F(0),  # I5 void
        "recognized_revenue": F(360 * 31, 91) + F(1500 * 31, 365),
        "deferred_revenue": F(360 * 44, 91) + F(1500 * 254, 365),
        "collections": F(0),
        "accounts_receivable": F(460),
        "dso": None,  # invoiced 0
        "avg_days_to_pay": None,
        "bookings_tcv": F(0),
        "bookings_acv": F(0),
        "bookings_tcv_new": F(0),
        "bookings_tcv_renewal": F(0),
        "bookings_tcv_expansion": F(0),
        "win_rate": F(0),  # Q7 expired: 0 / 1
        "avg_sales_cycle_days": None,
        "open_pipeline_value": F(1752),  # Q8
        "pipeline_coverage": None,  # no targets
        "team_quota_attainment_rate": None,
        # 1 (Q7 at 04-30) x 360 (Q3) x 1/3 (Q6 Q3 Q7) / 9
        "sales_velocity": F(360) * F(1, 3) / F(9),  # 13.333
        "quotes_created": F(1),  # Q8
        "quote_sent_rate": F(1),
        "quote_acceptance_rate": F(0),  # 0 / 1
        "renewals_due": F(0),
        "renewals_won": F(0),
        "renewal_rate": None,
        "backlog": F(1230),
        "cac": None,
    },
    JUN: {
        "mrr": F(80) + F("119.9952") + F(125),  # 324.9952
        "arr": 12 * (F(80) + F("119.9952") + F(125)),  # 3899.9424
        "active_customers": F(3),
        "new_customers": F(0),
        "churned_customers": F(0),
        "reactivated_customers": F(1),  # A1
        "new_mrr": F(0),
        "expansion_mrr": F(0),
        "contraction_mrr": F(0),  # A2 -0.0048 is "equal": unchanged
        "churned_mrr": F(0),
        "reactivation_mrr": F(80),
        "net_new_mrr": F(80),
        "logo_churn_rate": F(0),  # 0 / 2
        "gross_mrr_churn_rate": F(0),
        "net_mrr_retention": F(1),  # 245 / 245
        "gross_mrr_retention": F(1),
        "nrr_12m": None,
        "grr_12m": None,
        "arpu": F("324.9952") / 3,
        "ltv": F("324.9952") / 3 / F(1, 9),  # mean(0, 1/3, 0) = 1/9 -> 974.9856
        "invoiced": F("79.9952"),
        "recognized_revenue": F(80) + F(360 * 30, 91) + F(1500 * 30, 365) - F("0.0048"),
        "deferred_revenue": F(360 * 14, 91) + F(1500 * 224, 365),
        "collections": F(0),
        "accounts_receivable": F(540),  # 100 + 360 + 80
        "dso": F(540) / F("79.9952") * 30,
        "avg_days_to_pay": F(0),  # I12
        "bookings_tcv": F(0),
        "bookings_acv": F(0),
        "bookings_tcv_new": F(0),
        "bookings_tcv_renewal": F(0),
        "bookings_tcv_expansion": F(0),
        "win_rate": None,  # nothing decided
        "avg_sales_cycle_days": None,
        "open_pipeline_value": F(2352),  # Q8 1752 + Q9 600
        "pipeline_coverage": None,
        "team_quota_attainment_rate": None,
        # 1 (Q8 at 05-31) x 360 x 1/2 (Q3, Q7) / 9
        "sales_velocity": F(20),
        "quotes_created": F(1),  # Q9 (Q11 is in July)
        "quote_sent_rate": F(0),  # 0 / 1
        "quote_acceptance_rate": None,  # 0 sent
        "renewals_due": F(0),
        "renewals_won": F(0),
        "renewal_rate": None,
        "backlog": F(1150),  # 600 + 550
        "cac": None,
    },
}

METRICS_COLUMNS = list(EXPECTED_LITERALS[JAN])

# ar_aging_monthly: every month x bucket, 0 where nothing is in the bucket
EXPECTED_AGING = {(m, b): AGING[m].get(b, F(0)) for m in MONTHS for b in BUCKETS}

# sales_rep_monthly: (rep, month) -> (bookings_tcv, target, quota_attainment, win_rate)
EXPECTED_REPS = {
    ("R1", JAN): (F(1530), F(1500), F(1530, 1500), F(1)),  # Q1 1200 + Q2 330; 2/2 won
    ("R1", FEB): (F(550), F(500), F(550, 500), F(1)),  # Q10
    ("R1", MAR): (F(0), None, None, None),
    ("R1", APR): (F(360), F(300), F(360, 300), F(1)),  # Q3
    ("R1", MAY): (F(0), None, None, None),
    ("R1", JUN): (F(0), None, None, None),
    ("R2", JAN): (F(1300), F(1000), F(1300, 1000), F(1)),  # Q4
    ("R2", FEB): (F(1500), F(2000), F(1500, 2000), F(1)),  # Q5
    ("R2", MAR): (F(0), F(1000), F(0), F(0)),  # Q6 rejected
    ("R2", APR): (F(0), None, None, None),
    ("R2", MAY): (F(0), None, None, F(0)),  # Q7 expired
    ("R2", JUN): (F(0), None, None, None),
}

# cohort_retention: (cohort_month, months_since_start) ->
#   (cohort_size, starting_mrr, logos_retained, mrr_retained)
# Jan cohort A1, A2, A4 (410); Feb cohort A3 (125)
EXPECTED_COHORTS = {
    (JAN, 0): (3, F(410), 3, F(410)),
    (JAN, 1): (3, F(410), 3, F(460)),  # 150 + 110 + 200
    (JAN, 2): (3, F(410), 2, F(260)),  # 150 + 110
    (JAN, 3): (3, F(410), 2, F(240)),  # 120 + 120
    (JAN, 4): (3, F(410), 1, F(120)),  # A2
    (JAN, 5): (3, F(410), 2, F("199.9952")),  # 80 + 119.9952
    (FEB, 0): (1, F(125), 1, F(125)),
    (FEB, 1): (1, F(125), 1, F(125)),
    (FEB, 2): (1, F(125), 1, F(125)),
    (FEB, 3): (1, F(125), 1, F(125)),
    (FEB, 4): (1, F(125), 1, F(125)),
}

# bookings_by_type_monthly: (month, quote_type) -> (quotes_accepted, bookings_tcv, acv)
EXPECTED_BY_TYPE = {
    (m, t): (0, F(0), F(0)) for m in MONTHS for t in ("new", "renewal", "expansion")
}
EXPECTED_BY_TYPE.update(
    {
        (JAN, "new"): (3, F(2830), F(4320)),
        (FEB, "new"): (1, F(1500), F(1500)),
        (FEB, "expansion"): (1, F(550), F(600)),
        (APR, "renewal"): (1, F(360), F(1440)),
    }
)

# acquisition_monthly: (month, channel) -> (new_customers, marketing_spend_usd, cac)
# New: Jan A1 inbound, A4 inbound, A2 partner; Feb A3 outbound.
# Spend: Jan inbound 300, partner 200; Feb outbound 500; Mar paid_search 100.
CHANNELS = ("inbound", "partner", "outbound", "paid_search")
EXPECTED_ACQUISITION: dict[tuple[str, str], tuple[int, F | None, F | None]] = {
    (m, c): (0, None, None) for m in MONTHS for c in CHANNELS
}
EXPECTED_ACQUISITION.update(
    {
        (JAN, "inbound"): (2, F(300), F(300, 2)),  # 300 / 2 = 150
        (JAN, "partner"): (1, F(200), F(200)),
        (FEB, "outbound"): (1, F(500), F(500)),
        (MAR, "paid_search"): (0, F(100), None),  # no new customer: null
    }
)
