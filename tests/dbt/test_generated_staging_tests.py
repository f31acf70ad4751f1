"""The staging tests generated from the registry run in dbt and catch what they describe.

The loader quarantines such rows, so they are written into raw directly here, as a
faulty loader or a hand-made insert would: the column_rules test of each model they
reach must fail, with a row naming each broken rule and its count, and every other
generated test must pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from foundation.settings import Settings
from ingestion.loader import load_landing
from orchestration.dbt.args import AFTER_ML, failure_account
from tests.dbt_runs import run_dbt


def _build(settings: Settings, target: Path) -> dict:
    """`dbt build` (unit tests aside) of every model but those reading the ml tables (the
    churn model's step is not run here): dbt's run_results.json."""
    args = ["build", "--exclude-resource-type", "unit_test", "--exclude", AFTER_ML]
    done = run_dbt(args, settings.warehouse, target)
    run_results = json.loads((target / "run_results.json").read_text())
    assert run_results["results"], done.stdout[-3000:]
    return run_results


def _test_status(run_results: dict) -> dict[str, str]:
    """The status of each data test, by test name."""
    return {
        r["unique_id"].split(".")[2]: r["status"]
        for r in run_results["results"]
        if r["unique_id"].startswith("test.")
    }


def test_generated_staging_tests_fail_on_rows_the_contract_forbids(tmp_path, small_company):
    settings = Settings(landing=small_company, warehouse=tmp_path / "wh" / "warehouse.duckdb")
    load_landing(settings)
    clean = _test_status(_build(settings, tmp_path / "clean"))
    assert len(clean) > 20 and set(clean.values()) == {"pass"}, clean
    with duckdb.connect(str(settings.warehouse)) as con:
        # A quote line with quantity 0 (the contract says > 0), a payment with an
        # unknown status, another without an amount, and a product whose billing
        # interval is not 1, 3, 6 or 12.
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
            "insert into raw.payments (payment_id, invoice_id, amount, currency, received_at,"
            " status, updated_at, _file_name, _row_number, _loaded_at, _batch_id)"
            " select 'PAY-NULL', invoice_id, null, currency, received_at, status, updated_at,"
            " 'x.csv', 2, now(), 'manual' from raw.payments limit 1"
        )
        con.execute(
            "insert into raw.products (product_id, name, pricing_model, billing_interval_months,"
            " list_price, currency, updated_at, _file_name, _row_number, _loaded_at, _batch_id)"
            " values ('PRD-BAD', 'Bad', 'recurring', 2, 1, 'USD', now(), 'x.csv', 1, now(),"
            " 'manual')"
        )
    run_results = _build(settings, tmp_path / "broken")
    broken = _test_status(run_results)
    failed = sorted(name for name, status in broken.items() if status in ("fail", "error"))
    assert failed == [
        "column_rules_stg_payments",
        "column_rules_stg_products",
        "column_rules_stg_quote_lines",
    ]
    # dbt counts the failures of all broken rules of a model: stg_payments breaks two
    # rules with one row each.
    failures = {
        r["unique_id"].split(".")[2]: r["failures"]
        for r in run_results["results"]
        if r["status"] == "fail"
    }
    assert failures == {
        "column_rules_stg_payments": 2,
        "column_rules_stg_products": 1,
        "column_rules_stg_quote_lines": 1,
    }
    # The account of the failed build names each broken rule, read from the warehouse.
    account = failure_account(run_results, settings)
    assert "(broken: accepted_values(payment_status) x1, not_null(amount) x1)" in account
    assert "(broken: accepted_values(billing_interval_months) x1)" in account
    assert "(broken: accepted_range(quantity) x1)" in account
