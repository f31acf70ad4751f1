"""The GX runner on the pipeline's warehouse: what blocks, the audit table (and the
publishing decision read from it), Data Docs, view copies, errors that never pass,
and no connection or repository file left behind."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from expectations import data_docs
from expectations.catalogue import columns_named
from expectations.results import plain
from expectations.runner import AUDIT_TABLE, SuiteResult, list_suites, validate
from expectations.suites import GX_DIR
from foundation.settings import Settings
from serving.publish import blocking_failures
from tests.quality.warehouse_sql import query, run_sql, scalar


def _by_suite(results: list[SuiteResult]) -> dict[str, SuiteResult]:
    return {r.suite: r for r in results}


def test_blocking_is_per_expectation_and_publishing_reads_it_from_the_audit(
    settings: Settings,
) -> None:
    wh = settings.warehouse
    lost = scalar(wh, "select min(invoice_id) from marts.fct_invoices")
    # fct_invoices loses one row (error); more than half of fct_quote_lines leaves it for
    # int_records_excluded, which keeps the reconciliation whole (warn only)
    lines = scalar(wh, "select count(*) from marts.fct_quote_lines")
    moved = lines // 2 + 1
    run_sql(
        wh,
        f"delete from marts.fct_invoices where invoice_id = '{lost}'",
        "create temp table moved as select quote_line_id from marts.fct_quote_lines "
        f"order by all limit {moved}",
        "insert into intermediate.int_records_excluded (entity, record_key, is_flagged) "
        "select 'quote_lines', quote_line_id, true from moved",
        "delete from marts.fct_quote_lines where quote_line_id in (select * from moved)",
    )

    results = _by_suite(validate(settings, layer="marts", run_id="audit-1"))

    invoices, quote_lines = results["marts.fct_invoices"], results["marts.fct_quote_lines"]
    assert (invoices.blocking, invoices.check_severity) == (True, "error")
    assert (quote_lines.success, quote_lines.blocking, quote_lines.check_severity) == (
        False,
        False,
        "warn",
    )
    assert [r.suite for r in results.values() if not r.success] == [
        "marts.fct_invoices",
        "marts.fct_quote_lines",
    ]
    # one audit row per expectation: 12 suites (10 facts, lead_funnel_monthly,
    # account_360) x 3, product_margin_monthly's and model_evaluation's 2
    assert query(
        wh,
        f"select count(*), count(distinct table_name) from {AUDIT_TABLE} where run_id = 'audit-1'",
    ) == [(40, 14)]
    failing = query(
        wh,
        "select table_name, expectation, severity, unexpected_count, observed_value, "
        f"unexpected_sample from {AUDIT_TABLE} where run_id = 'audit-1' and not success "
        "order by table_name",
    )
    assert failing == [
        (
            "fct_invoices",
            "unexpected_rows_expectation",
            "error",
            1,
            None,
            json.dumps([{"invoice_id": lost}]),
        ),
        (
            "fct_quote_lines",
            "expect_table_row_count_to_be_between",
            "warn",
            None,
            lines - moved,
            None,
        ),
    ]
    # publishing refuses on the error row only (serving.publish reads this table)
    assert blocking_failures(settings, "audit-1") == ["fct_invoices: unexpected_rows_expectation"]


def test_expectation_that_raises_is_a_failure_never_a_pass(settings: Settings) -> None:
    # Without audit.load_files the row-count reconciliation (error) and the
    # quarantined share (warn) cannot run.
    run_sql(settings.warehouse, "drop table audit.load_files")

    (result,) = validate(settings, suites=["raw.invoices"], run_id="raises")

    assert result.success is False and result.blocking is True
    raised = {(e.label, e.severity): e.success for e in result.errors}
    assert raised == {
        (
            "count(*) of raw.invoices equals the rows_loaded of its loaded files "
            "in audit.load_files",
            "error",
        ): False,
        (
            "at most 5% of the rows of invoices files in the latest batch of "
            "audit.load_files were quarantined",
            "warn",
        ): False,
    }
    assert all("load_files" in e.exception for e in result.errors)
    assert "raised" in result.message()
    meta = result.as_metadata()
    assert meta["raised_expectations"] == 2
    assert [meta[f"failed {i}: {e.label}"] for i, e in enumerate(result.failed, 1)] == [
        f"raised: {e.exception.splitlines()[0][:300]}" for e in result.failed
    ]
    # the other 4 expectations ran and passed
    assert [e.success for e in result.expectations if e.exception is None] == [True] * 4
    assert query(
        settings.warehouse,
        f"select success, severity from {AUDIT_TABLE} where run_id = 'raises' "
        "and exception is not null order by severity",
    ) == [(False, "error"), (False, "warn")]


def test_missing_table_is_an_error_but_optional_reference_table_is_skipped(
    settings: Settings,
) -> None:
    run_sql(settings.warehouse, "drop table marts.fct_payments", "drop table raw.fx_rates")

    results = _by_suite(
        validate(settings, suites=["marts.fct_payments", "raw.fx_rates"], run_id="m")
    )

    payments = results["marts.fct_payments"]
    assert payments.blocking
    assert [e.exception for e in payments.errors] == ["table marts.fct_payments is missing"]
    fx = results["raw.fx_rates"]
    assert fx.success and fx.skipped == "optional table absent"


def test_a_view_that_cannot_be_computed_fails_only_its_own_suite(settings: Settings) -> None:
    # intermediate.int_fx_rates_ranged is a view over the table staging.stg_fx_rates:
    # without it, no query on the view works
    run_sql(settings.warehouse, "drop table staging.stg_fx_rates")

    results = _by_suite(
        validate(
            settings,
            suites=["marts.product_margin_monthly", "staging.stg_accounts"],
            run_id="unreadable",
        )
    )

    margin = results["marts.product_margin_monthly"]
    assert margin.blocking
    # of its 2 expectations, the one whose SQL reads the view (the costed lines) raised;
    # the row count of the table itself did not
    assert len(margin.expectations) == 2
    assert len(margin.errors) == 1
    assert "stg_fx_rates does not exist" in margin.errors[0].exception
    assert results["staging.stg_accounts"].success


def test_views_are_copied_once_with_the_columns_their_checks_name(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # product_margin_monthly's checks read one view (intermediate.int_fx_rates_ranged)
    # and three tables (the month spine, dim_product, fct_invoice_lines)
    with caplog.at_level(logging.DEBUG, logger="expectations.validation"):
        (result,) = validate(settings, suites=["marts.product_margin_monthly"], run_id="views")

    assert result.success
    assert (
        "views computed once for this validation: ['intermediate.int_fx_rates_ranged']"
        in caplog.text
    )


def test_columns_named_by_suites_or_every_column() -> None:
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
    named = columns_named([checks])
    assert named is not None
    assert {"invoice_id", "month", "bucket", "amount"} <= named
    assert "total_amount" not in named
    # a sample of `*` shows every column; so does a check on the table's columns
    star = suite(("unexpected_rows_expectation", {"unexpected_rows_query": "select * from t"}))
    assert columns_named([checks, star]) is None
    count = suite(("expect_table_column_count_to_equal", {"value": 5}))
    assert columns_named([count, checks]) is None


def test_data_docs_html_is_written_where_settings_say(settings: Settings) -> None:
    validate(settings, suites=["raw.invoices"], run_id="docs-1")
    validate(settings, suites=["marts.fct_payments"], run_id="docs-2")

    docs = settings.data_docs_dir
    index = (docs / "index.html").read_text(encoding="utf-8")
    # both calls' results are listed: one Dagster step per layer still gives one site
    assert "raw.invoices" in index and "marts.fct_payments" in index
    assert len(list((docs / "validations").rglob("*.html"))) == 2


def test_data_docs_keep_the_newest_results_per_suite(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_docs, "KEEP_RESULTS_PER_SUITE", 2)
    docs = settings.data_docs_dir
    for run in ("p1", "p2", "p3"):
        validate(settings, suites=["raw.quotes"], run_id=run)

    pages = sorted(
        p.relative_to(docs / "validations").parts[2]
        for p in docs.rglob("*.html")
        if "validations" in p.parts
    )
    results = sorted(
        p.relative_to(docs / ".gx_results").parts[2] for p in (docs / ".gx_results").rglob("*.json")
    )
    assert pages == results == ["p2", "p3"]
    # the audit table keeps every run (and the pipeline's)
    assert query(
        settings.warehouse,
        f"select run_id from {AUDIT_TABLE} where suite = 'raw.quotes' and run_id like 'p_' "
        "group by run_id order by run_id",
    ) == [("p1",), ("p2",), ("p3",)]


def test_suite_pages_are_rendered_again_only_when_the_suite_changed(settings: Settings) -> None:
    docs = settings.data_docs_dir
    validate(settings, suites=["raw.quotes"], run_id="pages-1")
    page = docs / "expectations" / "raw" / "quotes.html"
    assert "raw.quotes" in page.read_text(encoding="utf-8")

    page.write_text("rendered before", encoding="utf-8")  # newer than the suite's JSON
    validate(settings, suites=["raw.quotes"], run_id="pages-2")
    assert page.read_text(encoding="utf-8") == "rendered before"

    os.utime(page, (0, 0))  # now older than the suite's JSON: rendered again
    validate(settings, suites=["raw.quotes"], run_id="pages-3")
    assert "raw.quotes" in page.read_text(encoding="utf-8")
    # every run's result page is written all the same
    assert len(list((docs / "validations").rglob("*.html"))) == 3


def test_runner_leaves_no_connection_and_no_repo_files(settings: Settings) -> None:
    before = {p: p.read_bytes() for p in GX_DIR.rglob("*") if p.is_file()}

    validate(settings, run_id="closed")

    # Another process can take the write lock: nothing in this process holds the file.
    script = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute('create table audit.lock_probe (x int)'); c.close()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(settings.warehouse)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert {p: p.read_bytes() for p in GX_DIR.rglob("*") if p.is_file()} == before


def test_as_metadata_is_plain(settings: Settings) -> None:
    run_sql(
        settings.warehouse,
        "delete from marts.fct_quotes where quote_id in "
        "(select quote_id from marts.fct_quotes order by all limit 2)",
    )
    (result,) = validate(settings, suites=["marts.fct_quotes"], run_id="meta")

    meta = result.as_metadata()
    assert all(type(v) in (str, int, float, bool) for v in meta.values()), meta
    assert (meta["success"], meta["blocking"], meta["failed_expectations"]) == (False, True, 1)
    assert meta["unexpected_total"] == 2
    label = (
        "every quote_id of stg_quotes is in fct_quotes or in int_records_excluded (nothing lost)"
    )
    assert meta[f"failed 1: {label}"].startswith("2 unexpected, e.g. ")
    json.dumps(meta)


def test_list_suites_and_unknown_names(settings: Settings) -> None:
    assert [tuple(s) for s in list_suites("marts")] == [
        ("marts.account_360", "marts", "account_360", "error"),
        ("marts.fct_activities", "marts", "fct_activities", "error"),
        ("marts.fct_csat_responses", "marts", "fct_csat_responses", "error"),
        ("marts.fct_forecast_submissions", "marts", "fct_forecast_submissions", "error"),
        ("marts.fct_invoice_lines", "marts", "fct_invoice_lines", "error"),
        ("marts.fct_invoices", "marts", "fct_invoices", "error"),
        ("marts.fct_leads", "marts", "fct_leads", "error"),
        ("marts.fct_payments", "marts", "fct_payments", "error"),
        ("marts.fct_product_usage", "marts", "fct_product_usage", "error"),
        ("marts.fct_quote_lines", "marts", "fct_quote_lines", "error"),
        ("marts.fct_quotes", "marts", "fct_quotes", "error"),
        ("marts.lead_funnel_monthly", "marts", "lead_funnel_monthly", "error"),
        ("marts.model_evaluation", "marts", "model_evaluation", "error"),
        ("marts.product_margin_monthly", "marts", "product_margin_monthly", "error"),
    ]
    # one raw and one staging suite per contract entity (15 with leads, activities,
    # forecast_submissions, csat_responses and product_usage)
    assert len(list_suites("raw")) == 15 and len(list_suites("staging")) == 15
    with pytest.raises(ValueError, match="unknown layer"):
        list_suites("gold")
    with pytest.raises(ValueError, match="unknown GX suite"):
        validate(settings, suites=["marts.nope"], run_id="x")


def test_samples_and_metadata_are_cast_to_plain_python() -> None:
    import datetime
    import decimal

    import numpy as np

    values = [np.int64(3), np.float64(1.5), decimal.Decimal("1.25"), datetime.date(2024, 1, 1)]
    assert plain({"v": values, "b": np.bool_(True)}) == {
        "v": [3, 1.5, 1.25, "2024-01-01"],
        "b": True,
    }
    assert [type(v) for v in plain(values)] == [int, float, float, str]
