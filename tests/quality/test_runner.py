"""The GX runner on a real DuckDB file: pass, exact failure counts, errors that block,
the audit table, Data Docs, and no connection or repository file left behind."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from expectations import runner
from expectations.runner import AUDIT_TABLE, SuiteResult, list_suites, validate
from expectations.suites import GX_DIR
from tests.quality.quality_warehouse import query, run_sql


def _by_suite(results: list[SuiteResult]) -> dict[str, SuiteResult]:
    return {r.suite: r for r in results}


def _failed(result: SuiteResult) -> dict[str, int | None]:
    return {e.label: e.unexpected_count for e in result.failed}


def test_clean_warehouse_passes_every_suite(warehouse: Path, tmp_path: Path) -> None:
    results = validate(warehouse, run_id="clean", data_docs_dir=tmp_path / "docs")

    assert [r.suite for r in results] == [s.name for s in list_suites()]
    assert len(results) == 26  # 10 raw + 10 staging + 6 marts
    failing = [r.message() for r in results if not r.success]
    assert failing == []
    assert not any(r.blocking for r in results)
    for result in results:
        assert result.expectations, result.suite
        assert all(e.exception is None and e.unexpected_count == 0 for e in result.expectations)


def test_corrupted_raw_fails_with_exact_counts(warehouse: Path) -> None:
    # raw.invoices holds rows 1 and 2 of invoices/2024-01.csv; audit.load_files says 2 loaded
    run_sql(
        warehouse,
        "update raw.invoices set account_id = null where _row_number = 1",
        "update raw.invoices set currency = null, _loaded_at = null where _row_number = 2",
        # a third row (a copy of row 1, so also without account_id) nobody loaded
        "insert into raw.invoices select * from raw.invoices where _row_number = 1",
        "alter table raw.invoices alter total_amount type double",
    )

    (result,) = validate(warehouse, suites=["raw.invoices"], run_id="corrupt-raw")

    assert result.blocking
    assert _failed(result) == {
        # total_amount is DOUBLE, the contract says DECIMAL(18,4): 1 column
        "every contract column of invoices is present with its contract type": 1,
        # row 1, its copy, and row 2: 3 rows with at least one null
        "key and required columns of invoices (invoice_id, account_id, status, currency, "
        "total_amount, updated_at) and lineage (_file_name, _row_number, _loaded_at) "
        "are not null": 3,
        # 3 rows in raw.invoices, 2 loaded: one row for the whole table
        "count(*) of raw.invoices equals the rows_loaded of its loaded files "
        "in audit.load_files": 1,
    }
    nulls = next(e for e in result.failed if "are not null" in e.label)
    assert sorted((r["_row_number"], r["null_columns"]) for r in nulls.unexpected_sample) == [
        (1, "account_id"),
        (1, "account_id"),
        (2, "currency, _loaded_at"),
    ]
    assert {r["_file_name"] for r in nulls.unexpected_sample} == {"invoices/2024-01.csv"}


def test_corrupted_staging_fails_with_exact_counts(warehouse: Path, tmp_path: Path) -> None:
    run_sql(
        warehouse,
        # 2 null keys, plus 'i1' twice -> i1 has 2 duplicate rows (nulls are not duplicates)
        "insert into staging.stg_invoices values (null, 'a1', null, 'open', 1), "
        "(null, 'a2', null, 'open', 1), ('i1', 'a1', null, 'open', 1)",
        # 3 payments with an unknown method; one refers to a missing invoice i9,
        # another to i8 which dbt flagged, so only i9 is an orphan
        "insert into staging.stg_payments values "
        "('pay2', 'i1', 'a1', 5, 'bitcoin', 'succeeded'), "
        "('pay3', 'i9', 'a1', 5, 'cash', 'succeeded'), "
        "('pay4', 'i8', 'a1', 5, 'gold', 'failed')",
        "insert into audit.flagged values "
        "('payments', 'pay4', 'orphan_reference', 'invoice_id i8 is not in invoices', now())",
    )

    results = _by_suite(
        validate(
            warehouse,
            suites=["staging.stg_invoices", "staging.stg_payments"],
            run_id="corrupt-staging",
            data_docs_dir=tmp_path / "docs",
        )
    )

    invoices = results["staging.stg_invoices"]
    assert not invoices.success and invoices.blocking
    assert _failed(invoices) == {
        "expect_column_values_to_not_be_null(invoice_id)": 2,
        "expect_column_values_to_be_unique(invoice_id)": 2,
    }
    payments = results["staging.stg_payments"]
    assert _failed(payments) == {
        "expect_column_values_to_be_in_set(method)": 3,
        "every invoice_id is in stg_invoices, or the row is flagged orphan_reference "
        "in audit.flagged": 1,
    }
    orphan = next(e for e in payments.failed if e.expectation == "unexpected_rows_expectation")
    assert orphan.unexpected_sample == [{"payment_id": "pay3", "invoice_id": "i9"}]
    in_set = next(e for e in payments.failed if e.column == "method")
    assert sorted(in_set.unexpected_sample) == ["bitcoin", "cash", "gold"]


def test_corrupted_marts_break_each_invariant(warehouse: Path, tmp_path: Path) -> None:
    run_sql(
        warehouse,
        # i1's lines now sum to 60 + 40 + 0.02 = 100.02 vs total 100 -> off by more than 0.01
        "insert into marts.fct_invoice_lines values ('l9', 'i1', 'p1', 0.02)",
        # a1 February: prev 100 + movement 50 = 150, but mrr says 151 -> 1 row breaks the sum;
        # March then has prev_mrr 150 while the month before shows 151 -> 1 more row
        "update marts.fct_mrr set mrr = 151 where account_id = 'a1' and month = '2024-02-01'",
        # March arr 960 -> 961 (12 * 80 = 960); February bookings 0 -> 5 (no accepted quote)
        "update marts.metrics_monthly set arr = 961 where month = '2024-03-01'",
        "update marts.metrics_monthly set bookings_tcv = 5 where month = '2024-02-01'",
        # one negative receivable, one negative mrr (below the -0.005 tolerance)
        "update marts.metrics_monthly set accounts_receivable = -1, mrr = -0.01, arr = -0.12 "
        "where month = '2024-01-01'",
    )

    results = _by_suite(validate(warehouse, layer="marts", run_id="corrupt-marts"))

    assert _failed(results["marts.fct_invoices"]) == {
        "per invoice, the sum of fct_invoice_lines.amount equals fct_invoices.total_amount "
        "(within 0.01)": 1
    }
    assert _failed(results["marts.fct_mrr"]) == {
        "movements add up: mrr = prev_mrr + movement_amount (within 0.005) for every account "
        "and month": 1,
        "prev_mrr is the account's mrr of the month before (0 in its first month)": 1,
    }
    metrics = results["marts.metrics_monthly"]
    assert _failed(metrics) == {
        "expect_column_values_to_be_between(mrr)": 1,
        "arr = 12 * mrr (within 0.005)": 1,
        "expect_column_values_to_be_between(accounts_receivable)": 1,
        # January: bookings 1200 still matches q1; February 5 vs 0 breaks
        "bookings_tcv equals the sum of tcv_usd of quotes accepted in the month": 1,
    }
    assert all(results[s].blocking for s in ("marts.fct_invoices", "marts.fct_mrr"))
    assert results["marts.fct_quotes"].success and results["marts.ar_aging_monthly"].success
    message = results["marts.fct_mrr"].message()
    assert "marts.fct_mrr [error] failed" in message
    assert "mrr = prev_mrr + movement_amount" in message


def test_expectation_that_raises_is_an_error_that_blocks(warehouse: Path, tmp_path: Path) -> None:
    # Without audit.load_files the row-count reconciliation query cannot run.
    run_sql(warehouse, "drop table audit.load_files")

    (result,) = validate(warehouse, suites=["raw.invoices"], run_id="raises")

    assert result.success is False and result.blocking is True
    raised = [e for e in result.expectations if e.exception is not None]
    assert len(raised) == 1
    assert raised[0].success is False
    assert "load_files" in raised[0].exception
    assert "raised" in result.message()
    # every other expectation of the suite still ran and passed
    assert all(e.success for e in result.expectations if e.exception is None)
    assert len(result.expectations) == 4  # columns typed, lineage, not null, row count
    row = query(
        warehouse,
        f"select success, exception from {AUDIT_TABLE} where run_id = 'raises' "
        "and exception is not null",
    )
    assert len(row) == 1 and row[0][0] is False


def test_missing_table_is_an_error_but_optional_reference_table_is_skipped(
    warehouse: Path,
) -> None:
    run_sql(warehouse, "drop table marts.fct_mrr", "drop table raw.fx_rates")

    results = _by_suite(validate(warehouse, suites=["marts.fct_mrr", "raw.fx_rates"], run_id="m"))

    mrr = results["marts.fct_mrr"]
    assert mrr.blocking and mrr.errors[0].exception == "table marts.fct_mrr is missing"
    fx = results["raw.fx_rates"]
    assert fx.success and fx.skipped == "optional table absent"


def test_results_land_in_audit_table(warehouse: Path, tmp_path: Path) -> None:
    run_sql(warehouse, "update marts.fct_mrr set movement = 'upsell' where account_id = 'a2'")

    results = validate(warehouse, layer="marts", run_id="audit-1")
    validate(warehouse, suites=["marts.fct_mrr"], run_id="audit-2")

    expected = sum(len(r.expectations) for r in results)
    rows = query(
        warehouse,
        f"select count(*), count(distinct table_name) from {AUDIT_TABLE} where run_id = 'audit-1'",
    )
    assert rows == [(expected, 6)]
    failing = query(
        warehouse,
        "select layer, table_name, expectation, column_name, success, unexpected_count, "
        f"unexpected_sample, severity, validated_at is not null from {AUDIT_TABLE} "
        "where not success order by run_id",
    )
    # a2 has 2 months, both 'upsell'; reported once per run
    assert (
        failing
        == [
            (
                "marts",
                "fct_mrr",
                "expect_column_values_to_be_in_set",
                "movement",
                False,
                2,
                '["upsell", "upsell"]',
                "error",
                True,
            )
        ]
        * 2
    )


def test_data_docs_html_is_written_where_asked(warehouse: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    validate(warehouse, suites=["raw.invoices"], run_id="docs-1", data_docs_dir=docs)
    validate(warehouse, suites=["marts.fct_mrr"], run_id="docs-2", data_docs_dir=docs)

    index = (docs / "index.html").read_text(encoding="utf-8")
    # both calls' results are listed: one Dagster check per suite still gives one site
    assert "raw.invoices" in index and "marts.fct_mrr" in index
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 2


def test_default_data_docs_dir_is_beside_the_warehouse(warehouse: Path) -> None:
    validate(warehouse, suites=["raw.products"], run_id="default-docs")
    assert (warehouse.parent / "data_docs" / "index.html").is_file()


def test_runner_leaves_no_connection_and_no_repo_files(warehouse: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in GX_DIR.rglob("*") if p.is_file()}

    validate(warehouse, layer="raw", run_id="closed", data_docs_dir=tmp_path / "docs")

    # Another process can take the write lock: nothing in this process holds the file.
    script = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute('create table audit.lock_probe (x int)'); c.close()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(warehouse)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert {p: p.read_bytes() for p in GX_DIR.rglob("*") if p.is_file()} == before


def test_as_metadata_is_plain(warehouse: Path) -> None:
    run_sql(warehouse, "update staging.stg_products set list_price = -1")
    (result,) = validate(warehouse, suites=["staging.stg_products"], run_id="meta")

    meta = result.as_metadata()
    assert all(type(v) in (str, int, float, bool) for v in meta.values()), meta
    assert meta["success"] is False and meta["failed_expectations"] == 1
    assert meta["unexpected_total"] == 1
    assert meta["failed 1: expect_column_values_to_be_between(list_price)"] == "1 unexpected"
    json.dumps(meta)


def test_list_suites_and_unknown_names() -> None:
    marts = list_suites("marts")
    assert [tuple(s) for s in marts] == [
        ("marts.ar_aging_monthly", "marts", "ar_aging_monthly", "warn"),
        ("marts.fct_invoice_lines", "marts", "fct_invoice_lines", "error"),
        ("marts.fct_invoices", "marts", "fct_invoices", "error"),
        ("marts.fct_mrr", "marts", "fct_mrr", "error"),
        ("marts.fct_quotes", "marts", "fct_quotes", "error"),
        ("marts.metrics_monthly", "marts", "metrics_monthly", "error"),
    ]
    assert len(list_suites("raw")) == 10 and len(list_suites("staging")) == 10
    with pytest.raises(ValueError, match="unknown layer"):
        list_suites("gold")
    with pytest.raises(ValueError, match="unknown GX suite"):
        validate(Path("unused.duckdb"), suites=["marts.nope"], run_id="x")


def test_data_docs_keep_the_newest_results_per_suite(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "KEEP_RESULTS_PER_SUITE", 2)
    docs = tmp_path / "docs"
    for run in ("p1", "p2", "p3"):
        validate(warehouse, suites=["raw.quotes"], run_id=run, data_docs_dir=docs)

    pages = sorted(
        p.relative_to(docs / "validations").parts[2]
        for p in docs.rglob("*.html")
        if "validations" in p.parts
    )
    results = sorted(
        p.relative_to(docs / ".gx_results").parts[2] for p in (docs / ".gx_results").rglob("*.json")
    )
    assert pages == results == ["p2", "p3"]
    # the audit table keeps every run
    assert query(warehouse, f"select count(distinct run_id) from {AUDIT_TABLE}") == [(3,)]


def test_staging_views_are_validated_like_tables(warehouse: Path) -> None:
    # dbt builds staging as views: 1 null key behind a view is still counted
    run_sql(
        warehouse,
        "alter table staging.stg_products rename to products_table",
        "create view staging.stg_products as select * from staging.products_table",
        "insert into staging.products_table values (null, 'X', 'one_time', null, 5)",
    )
    (result,) = validate(warehouse, suites=["staging.stg_products"], run_id="view")
    assert _failed(result) == {"expect_column_values_to_not_be_null(product_id)": 1}


def test_samples_and_metadata_are_cast_to_plain_python() -> None:
    import datetime
    import decimal

    import numpy as np

    from expectations.runner import _plain

    values = [np.int64(3), np.float64(1.5), decimal.Decimal("1.25"), datetime.date(2024, 1, 1)]
    assert _plain({"v": values, "b": np.bool_(True)}) == {
        "v": [3, 1.5, 1.25, "2024-01-01"],
        "b": True,
    }
    assert [type(v) for v in _plain(values)] == [int, float, float, str]


def _as_view(table: str) -> list[str]:
    """SQL that turns staging.<table> into a view over staging.<table>_rows, as dbt builds it."""
    return [
        f"alter table staging.{table} rename to {table}_rows",
        f"create view staging.{table} as select * from staging.{table}_rows",
    ]


def test_sql_checks_join_staging_views_to_each_other(
    warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the runner computes each view once; the foreign-key check of stg_payments then
    # reads that copy of stg_payments ({batch}) and of stg_invoices (named in its SQL)
    run_sql(
        warehouse,
        *_as_view("stg_invoices"),
        *_as_view("stg_payments"),
        # pay3 refers to i9: not in stg_invoices (i1, i2), not flagged -> 1 orphan
        "insert into staging.stg_payments_rows values ('pay3', 'i9', 'a1', 5, 'card', 'succeeded')",
        # i3 is a new invoice: no payment needs it, nothing breaks
        "insert into staging.stg_invoices_rows values ('i3', 'a1', null, 'open', 1)",
    )

    with caplog.at_level(logging.DEBUG, logger="expectations.runner"):
        results = _by_suite(
            validate(
                warehouse,
                suites=["staging.stg_invoices", "staging.stg_payments"],
                run_id="views",
            )
        )

    # the two views; the other tables these suites read (stg_accounts, stg_quotes,
    # audit.flagged) are tables in this warehouse
    assert (
        "computed once for this validation: ['staging.stg_invoices', 'staging.stg_payments']"
        in (caplog.text)
    )
    assert results["staging.stg_invoices"].success
    payments = results["staging.stg_payments"]
    assert _failed(payments) == {
        "every invoice_id is in stg_invoices, or the row is flagged orphan_reference "
        "in audit.flagged": 1
    }
    assert payments.failed[0].unexpected_sample == [{"payment_id": "pay3", "invoice_id": "i9"}]
    # the audit names the real table, not the copy
    assert query(
        warehouse,
        f"select distinct layer, table_name from {AUDIT_TABLE} where run_id = 'views' "
        "and not success",
    ) == [("staging", "stg_payments")]


def test_views_are_copied_with_the_columns_their_checks_name(
    warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # stg_fx_rates as a view with a column no check names; (EUR, 2024-01-01) twice.
    # GX's compound-uniqueness query lists every column it reflects: the copy's.
    run_sql(
        warehouse,
        "alter table staging.stg_fx_rates rename to stg_fx_rates_rows",
        "alter table staging.stg_fx_rates_rows add column _file_name varchar default 'fx/a.csv'",
        "insert into staging.stg_fx_rates_rows values ('EUR', date '2024-01-01', 1.15, 'fx/b.csv')",
        "create view staging.stg_fx_rates as select * from staging.stg_fx_rates_rows",
    )

    with caplog.at_level(logging.DEBUG, logger="expectations"):
        (result,) = validate(warehouse, suites=["staging.stg_fx_rates"], run_id="narrow")

    assert "computed once for this validation: ['staging.stg_fx_rates']" in caplog.text
    # both rows of the repeated key; nothing raised
    assert result.errors == []
    assert _failed(result) == {"expect_compound_columns_to_be_unique(currency,rate_date)": 2}


def test_columns_named_by_suites_or_every_column() -> None:
    from expectations.runner import _columns_named

    def suite(*expectations: tuple[str, dict]) -> dict:
        return {"expectations": [{"type": t, "kwargs": k} for t, k in expectations]}

    checks = suite(
        ("expect_column_values_to_not_be_null", {"column": "invoice_id"}),
        ("expect_compound_columns_to_be_unique", {"column_list": ["month", "bucket"]}),
        (
            "unexpected_rows_expectation",
            {"unexpected_rows_query": "select count(*) as n from {batch} where amount < 0"},
        ),
    )
    named = _columns_named([checks])
    assert named is not None
    assert {"invoice_id", "month", "bucket", "amount"} <= named
    assert "total_amount" not in named
    # a sample of `*` shows every column; so does a check on the table's columns
    star = suite(("unexpected_rows_expectation", {"unexpected_rows_query": "select * from t"}))
    assert _columns_named([checks, star]) is None
    count = suite(("expect_table_column_count_to_equal", {"value": 5}))
    assert _columns_named([count, checks]) is None


def test_table_that_cannot_be_read_fails_only_its_own_suite(warehouse: Path) -> None:
    # a view whose table is gone is still listed, but every query on it fails
    run_sql(warehouse, *_as_view("stg_products"), "drop table staging.stg_products_rows")

    results = _by_suite(
        validate(
            warehouse,
            suites=["staging.stg_products", "staging.stg_accounts"],
            run_id="unreadable",
        )
    )

    products = results["staging.stg_products"]
    assert products.blocking
    # each of its 5 expectations (key not null and unique, 2 enums, 1 range) raised
    assert len(products.errors) == len(products.expectations) == 5
    assert all("stg_products_rows does not exist" in e.exception for e in products.errors)
    assert results["staging.stg_accounts"].success


def test_suite_pages_are_rendered_again_only_when_the_suite_changed(
    warehouse: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    validate(warehouse, suites=["raw.quotes"], run_id="pages-1", data_docs_dir=docs)
    page = docs / "expectations" / "raw" / "quotes.html"
    assert "raw.quotes" in page.read_text(encoding="utf-8")

    page.write_text("rendered before", encoding="utf-8")  # newer than the suite's JSON
    validate(warehouse, suites=["raw.quotes"], run_id="pages-2", data_docs_dir=docs)
    assert page.read_text(encoding="utf-8") == "rendered before"

    os.utime(page, (0, 0))  # now older than the suite's JSON: rendered again
    validate(warehouse, suites=["raw.quotes"], run_id="pages-3", data_docs_dir=docs)
    assert "raw.quotes" in page.read_text(encoding="utf-8")
    # every run's result page is written all the same
    assert len(list((docs / "validations").rglob("*.html"))) == 3
