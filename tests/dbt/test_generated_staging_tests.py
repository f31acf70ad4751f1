"""The staging tests generated from the registry run in dbt and catch what they describe.

The loader quarantines such rows, so they are written into raw directly here, as a
faulty loader or a hand-made insert would: dbt's generated staging tests must fail,
each naming its rule, and every other generated test must pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from foundation.settings import Settings
from ingestion.loader import load_landing
from orchestration.dbt.args import AFTER_ML
from tests.dbt_runs import run_dbt


def _build(settings: Settings, target: Path) -> dict[str, str]:
    """`dbt build` (unit tests aside) of every model but those reading the ml tables (the
    churn model's step is not run here); the status of each data test, by test name."""
    args = ["build", "--exclude-resource-type", "unit_test", "--exclude", AFTER_ML]
    done = run_dbt(args, settings.warehouse, target)
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert results, done.stdout[-3000:]
    return {
        r["unique_id"].split(".")[2]: r["status"]
        for r in results
        if r["unique_id"].startswith("test.")
    }


def test_generated_staging_tests_fail_on_rows_the_contract_forbids(tmp_path, small_company):
    settings = Settings(landing=small_company, warehouse=tmp_path / "wh" / "warehouse.duckdb")
    load_landing(settings)
    clean = _build(settings, tmp_path / "clean")
    assert len(clean) > 50 and set(clean.values()) == {"pass"}, clean
    with duckdb.connect(str(settings.warehouse)) as con:
        # A quote line with quantity 0 (the contract says > 0), a payment with an
        # unknown status and a product whose billing interval is not 1, 3, 6 or 12.
        con.execute(
            "insert into raw.quote_lines (quote_line_id, quote_id, product_id, quantity,"
            " unit_price, updated_at, _file_name, _row_number, _loaded_at, _batch_id)"
            " select 'QL-BAD', quote_id, product_id, 0, unit_price, updated_at, 'x.csv', 1,"
            " now(), 'manual' from raw.quote_lines limit 1"
        )
        con.execute(
            "insert into raw.payments (payment_id, invoice_id, amount, currency, received_at,"
            " status, updated_at, _file_name, _row_number, _loaded_at, _batch_id)"
            " select 'PAY-BAD', invoice_id, 1, currency, received_at, 'pending', updated_at,"
            " 'x.csv', 1, now(), 'manual' from raw.payments limit 1"
        )
        con.execute(
            "insert into raw.products (product_id, name, pricing_model, billing_interval_months,"
            " list_price, currency, updated_at, _file_name, _row_number, _loaded_at, _batch_id)"
            " values ('PRD-BAD', 'Bad', 'recurring', 2, 1, 'USD', now(), 'x.csv', 1, now(),"
            " 'manual')"
        )
    broken = _build(settings, tmp_path / "broken")
    failed = sorted(name for name, status in broken.items() if status in ("fail", "error"))
    assert failed == [
        "accepted_range_stg_quote_lines_quantity__False__0",
        "accepted_values_stg_payments_payment_status__succeeded__failed__refunded",
        "accepted_values_stg_products_billing_interval_months__False__1__3__6__12",
    ]
