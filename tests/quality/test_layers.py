"""Each layer's checks on a warehouse built by the real pipeline, broken on purpose:
exact counts, worked out from the warehouse in the test."""

from __future__ import annotations

import math
from pathlib import Path

from expectations.runner import SuiteResult, list_suites, validate
from foundation.settings import Settings
from tests.dbt_runs import run_dbt
from tests.quality.warehouse_sql import model_changed, query, run_sql, scalar

ROW_COUNT = "row count of {} is at least half the count at its latest earlier validation"


def _by_suite(results: list[SuiteResult]) -> dict[str, SuiteResult]:
    return {r.suite: r for r in results}


def _failed(result: SuiteResult) -> dict[str, int | None]:
    return {e.label: e.unexpected_count for e in result.failed}


def _failure(result: SuiteResult, label_start: str):
    (exp,) = [e for e in result.failed if e.label.startswith(label_start)]
    return exp


def _build_staging(settings: Settings, tmp_path: Path, model: str) -> None:
    """`dbt run` of one staging model (an incremental table) on the warehouse, as a run
    does after a load."""
    done = run_dbt(["run", "--select", model], settings.warehouse, tmp_path / "dbt")
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_pipelines_warehouse_passes_every_suite(settings: Settings) -> None:
    wh = settings.warehouse
    results = validate(settings, run_id="clean")

    assert [r.suite for r in results] == [s.name for s in list_suites()]
    assert [r.message() for r in results if not r.success] == []
    for result in results:
        assert all(e.exception is None for e in result.expectations), result.suite
        # each row-count check observed its table's count(*)
        (row_count,) = [e for e in result.expectations if e.label.startswith("row count")]
        table = f"{result.schema}.{result.table}"
        assert row_count.observed_value == scalar(wh, f"select count(*) from {table}")
    # the reconciliations passed with real exclusions: staged = fact + excluded, e.g.
    for entity in ("invoices", "payments", "invoice_lines"):
        staged, facts, excluded = query(
            wh,
            f"select (select count(*) from staging.stg_{entity}),"
            f" (select count(*) from marts.fct_{entity}),"
            " (select count(*) from intermediate.int_records_excluded where entity = ?)",
            [entity],
        )[0]
        assert excluded > 0 and staged == facts + excluded, entity


def test_raw_rows_against_the_contract_and_load_files(settings: Settings) -> None:
    wh = settings.warehouse
    loaded = scalar(wh, "select count(*) from raw.invoices")
    (file_name, first), (_, second) = query(
        wh, "select _file_name, _row_number from raw.invoices order by all limit 2"
    )
    row = f"_file_name = '{file_name}' and _row_number = "
    run_sql(
        wh,
        f"update raw.invoices set account_id = null where {row}{first}",
        f"update raw.invoices set currency = null, _loaded_at = null where {row}{second}",
        # a copy of the first row (so also without account_id) that no file loaded
        f"insert into raw.invoices select * from raw.invoices where {row}{first}",
        "alter table raw.invoices alter total_amount type double",
    )

    (result,) = validate(settings, suites=["raw.invoices"], run_id="corrupt-raw")

    assert result.blocking
    assert _failed(result) == {
        # total_amount is DOUBLE, the contract says DECIMAL(18,4): 1 column
        "every contract column of invoices is present with its contract type": 1,
        # the first row, its copy, and the second: 3 rows with at least one null
        "key and required columns of invoices (invoice_id, account_id, status, currency, "
        "total_amount, updated_at) and lineage (_file_name, _row_number, _loaded_at) "
        "are not null": 3,
        # loaded + 1 rows in raw.invoices, `loaded` in audit.load_files: one row for the table
        "count(*) of raw.invoices equals the rows_loaded of its loaded files "
        "in audit.load_files": 1,
    }
    nulls = _failure(result, "key and required columns")
    assert sorted(
        (r["_file_name"], r["_row_number"], r["null_columns"]) for r in nulls.unexpected_sample
    ) == [
        (file_name, first, "account_id"),
        (file_name, first, "account_id"),
        (file_name, second, "currency, _loaded_at"),
    ]
    counts = _failure(result, "count(*) of raw.invoices")
    assert counts.unexpected_sample == [{"raw_rows": loaded + 1, "loaded_rows": loaded}]


def test_quarantined_share_of_the_latest_batch_warns_above_five_percent(
    settings: Settings,
) -> None:
    wh = settings.warehouse
    batch = scalar(wh, "select max_by(batch_id, loaded_at) from audit.load_files")
    loaded = scalar(wh, f"select count(*) from raw.invoices where _batch_id = '{batch}'")
    first_file = scalar(wh, "select min(file_name) from audit.load_files where entity = 'invoices'")
    # Q quarantined of loaded + Q rows is at most 5% while 100 Q <= 5 (loaded + Q), i.e.
    # Q <= loaded / 19: with loaded = 144, Q = 7 passes (4.64%), Q = 8 warns (5.26%)
    most = loaded // 19

    def quarantined(count: int) -> SuiteResult:
        run_sql(
            wh,
            f"update audit.load_files set rows_quarantined = case when file_name = '{first_file}' "
            f"then {count} else 0 end where entity = 'invoices'",
        )
        (result,) = validate(settings, suites=["raw.invoices"], run_id=f"quarantined-{count}")
        return result

    # an older batch with every row quarantined does not count: only the latest batch does
    run_sql(
        wh,
        "insert into audit.load_files (entity, file_name, content_hash, rows_loaded, "
        "rows_quarantined, status, batch_id, loaded_at) values ('invoices', 'invoices/old.csv', "
        "'h', 0, 1000, 'loaded', 'an-older-batch', timestamp '2000-01-01')",
    )
    assert quarantined(most).success
    result = quarantined(most + 1)

    assert (result.success, result.blocking, result.check_severity) == (False, False, "warn")
    share = _failure(result, "at most 5% of the rows of invoices files")
    assert share.severity == "warn" and share.unexpected_count == 1
    assert share.unexpected_sample == [
        {
            "batch_id": batch,
            "rows_loaded": loaded,
            "rows_quarantined": most + 1,
            "quarantined_pct": round(100 * (most + 1) / (loaded + most + 1), 2),
        }
    ]


def test_staging_that_loses_or_invents_keys_fails(settings: Settings) -> None:
    wh = settings.warehouse
    # two live payments (no deleted version in raw); the model loses the first and
    # invents a copy of the second under a key raw never held
    lost, copied = [
        row[0]
        for row in query(
            wh,
            "select payment_id from raw.payments group by payment_id "
            "having not bool_or(coalesce(is_deleted, false)) order by payment_id limit 2",
        )
    ]
    run_sql(
        wh,
        *model_changed(
            "staging.stg_payments",
            f"select * from staging.stg_payments_as_built where payment_id <> '{lost}' "
            "union all select * replace ('P-INVENTED' as payment_id) "
            f"from staging.stg_payments_as_built where payment_id = '{copied}'",
        ),
    )

    (result,) = validate(settings, suites=["staging.stg_payments"], run_id="staging-keys")

    assert result.blocking
    assert _failed(result) == {
        "every key (payment_id) of stg_payments is in raw.payments (nothing invented)": 1,
        "every key (payment_id) of raw.payments missing from stg_payments has a deleted "
        "version in raw.payments (nothing lost)": 1,
    }
    assert _failure(result, "every key (payment_id) of stg_payments").unexpected_sample == [
        {"payment_id": "P-INVENTED"}
    ]
    assert _failure(result, "every key (payment_id) of raw.payments").unexpected_sample == [
        {"payment_id": lost}
    ]


def test_a_deleted_raw_key_may_be_missing_from_staging(settings: Settings, tmp_path: Path) -> None:
    wh = settings.warehouse
    deleted = scalar(wh, "select min(payment_id) from marts.fct_payments")
    # a later version that deletes it, loaded after the build: then staging is built again
    # (not the fact): staging drops the key, raw keeps both versions
    run_sql(
        wh,
        "insert into raw.payments select * replace (true as is_deleted, "
        "updated_at + interval 1 day as updated_at, now() as _loaded_at) "
        f"from raw.payments where payment_id = '{deleted}' order by updated_at desc limit 1",
    )
    _build_staging(settings, tmp_path, "stg_payments")
    staged = f"select count(*) from staging.stg_payments where payment_id = '{deleted}'"
    assert scalar(wh, staged) == 0

    results = _by_suite(
        validate(settings, suites=["staging.stg_payments", "marts.fct_payments"], run_id="deleted")
    )

    assert results["staging.stg_payments"].success
    # the fact was built before the delete: its row is no longer a staged one
    assert _failed(results["marts.fct_payments"]) == {
        "every payment_id of fct_payments is in stg_payments and not in int_records_excluded "
        "(nothing invented)": 1
    }
    assert results["marts.fct_payments"].failed[0].unexpected_sample == [
        {"payment_id": deleted, "problem": "not in stg_payments"}
    ]


def test_reference_staging_with_composite_keys_must_keep_every_raw_key(
    settings: Settings,
) -> None:
    wh = settings.warehouse
    ((currency, rate_date),) = query(
        wh, "select currency, rate_date from raw.fx_rates order by all limit 1"
    )
    ((rep, month),) = query(
        wh, "select owner_rep_id, month from raw.sales_targets order by all limit 1"
    )
    run_sql(
        wh,
        *model_changed(
            "staging.stg_fx_rates",
            "select * from staging.stg_fx_rates_as_built "
            f"where not (currency = '{currency}' and rate_date = date '{rate_date}')",
        ),
        *model_changed(
            "staging.stg_sales_targets",
            "select * from staging.stg_sales_targets_as_built "
            f"where not (owner_rep_id = '{rep}' and month = date '{month}')",
        ),
    )

    suites = ["staging.stg_fx_rates", "staging.stg_sales_targets"]
    results = _by_suite(validate(settings, suites=suites, run_id="reference"))

    fx, targets = results["staging.stg_fx_rates"], results["staging.stg_sales_targets"]
    assert _failed(fx) == {
        "every key (currency, rate_date) of raw.fx_rates is in stg_fx_rates (nothing lost)": 1
    }
    assert fx.failed[0].unexpected_sample == [{"currency": currency, "rate_date": str(rate_date)}]
    assert fx.blocking
    # sales targets only feed quota attainment: the same failure warns
    assert _failed(targets) == {
        "every key (owner_rep_id, month) of raw.sales_targets is in stg_sales_targets "
        "(nothing lost)": 1
    }
    assert (targets.blocking, targets.check_severity) == (False, "warn")


def test_marts_that_lose_or_invent_rows_fail(settings: Settings) -> None:
    wh = settings.warehouse
    lost, excluded_now = [
        row[0]
        for row in query(wh, "select invoice_id from marts.fct_invoices order by all limit 2")
    ]
    let_through = scalar(wh, "select min(payment_id) from marts.fct_payments")
    run_sql(
        wh,
        # two invoices leave the fact; only the second is excluded -> 1 lost
        f"delete from marts.fct_invoices where invoice_id in ('{lost}', '{excluded_now}')",
        "insert into intermediate.int_records_excluded (entity, record_key, is_flagged) "
        f"values ('invoices', '{excluded_now}', true), ('payments', '{let_through}', true)",
        # a payment no staged row has, and one that is excluded but still in the fact
        "insert into marts.fct_payments by name select * replace ('P-INVENTED' as payment_id) "
        f"from marts.fct_payments where payment_id = '{let_through}'",
    )

    results = _by_suite(validate(settings, layer="marts", run_id="corrupt-marts"))

    assert _failed(results["marts.fct_invoices"]) == {
        "every invoice_id of stg_invoices is in fct_invoices or in int_records_excluded "
        "(nothing lost)": 1
    }
    assert results["marts.fct_invoices"].failed[0].unexpected_sample == [{"invoice_id": lost}]
    payments = results["marts.fct_payments"]
    assert _failed(payments) == {
        "every payment_id of fct_payments is in stg_payments and not in int_records_excluded "
        "(nothing invented)": 2
    }
    assert sorted(payments.failed[0].unexpected_sample, key=str) == [
        {"payment_id": "P-INVENTED", "problem": "not in stg_payments"},
        {"payment_id": let_through, "problem": "excluded in int_records_excluded"},
    ]
    blocking = [r.suite for r in results.values() if r.blocking]
    assert blocking == ["marts.fct_invoices", "marts.fct_payments"]
    assert payments.message().startswith(
        "marts.fct_payments [error] failed: every payment_id of fct_payments is in stg_payments "
        "and not in int_records_excluded (nothing invented): 2 unexpected, e.g. "
    )


def test_the_forecast_fact_reconciles_on_the_whole_key(settings: Settings, tmp_path: Path) -> None:
    """fct_forecast_submissions against staging on (owner_rep_id, forecast_month,
    submitted_at): a submission that landed after the fact was built (staging built again,
    the fact not) is lost; a fact row that shares a staged row's rep and month but not its
    submitted_at is invented."""
    wh = settings.warehouse
    raw_row = (
        "insert into raw.forecast_submissions by name select 'R-GX' as owner_rep_id, "
        "date '2025-03-01' as forecast_month, "
        "timestamptz '2025-02-20 09:00:00+00' as submitted_at, "
        "100 as commit_amount_usd, 'forecast_submissions/late.csv' as _file_name, "
        "1 as _row_number, now() as _loaded_at, 'gx-test' as _batch_id"
    )
    # the fact has R-GX's March forecast one second later than staging's
    fact_row = (
        "insert into marts.fct_forecast_submissions by name select 'F-GX' as "
        "forecast_submission_id, 'R-GX' as owner_rep_id, 100 as commit_amount_usd, "
        "1 as submission_number, true as is_submitted_by_month_start, "
        "true as is_forecast_of_record, date '2025-03-01' as forecast_month, "
        "date '2025-02-20' as submitted_date, "
        "timestamp '2025-02-20 09:00:01' as submitted_at"
    )
    (clean,) = validate(settings, suites=["marts.fct_forecast_submissions"], run_id="fc-0")
    assert clean.success
    run_sql(wh, raw_row, fact_row)
    _build_staging(settings, tmp_path, "stg_forecast_submissions")

    (result,) = validate(settings, suites=["marts.fct_forecast_submissions"], run_id="fc-1")

    key = "(owner_rep_id, forecast_month, submitted_at)"
    assert _failed(result) == {
        f"every {key} of stg_forecast_submissions is in fct_forecast_submissions (nothing lost)": 1,
        f"every {key} of fct_forecast_submissions is in stg_forecast_submissions "
        "(nothing invented)": 1,
    }
    lost, invented = (e.unexpected_sample for e in result.failed)
    assert [(r["owner_rep_id"], str(r["submitted_at"])[:19]) for r in lost] == [
        ("R-GX", "2025-02-20 09:00:00")
    ]
    assert [(r["owner_rep_id"], str(r["submitted_at"])[:19], r["problem"]) for r in invented] == [
        ("R-GX", "2025-02-20 09:00:01", "not in stg_forecast_submissions")
    ]
    assert result.blocking


def test_a_lead_funnel_that_loses_or_invents_leads_fails(settings: Settings) -> None:
    """Staging gains one partner lead of the first spine month that the funnel lacks
    (lost), and the funnel's inbound cell of that month gains 2 leads that staging
    lacks (invented)."""
    wh = settings.warehouse
    first = scalar(wh, "select min(month) from intermediate.int_metric_months_spined")
    funnel_total = scalar(wh, "select sum(leads_created) from marts.lead_funnel_monthly")
    cells_of_first = scalar(
        wh,
        "select count(*) from marts.lead_funnel_monthly where month = ? "
        "and source_channel in ('partner', 'inbound')",
        [first],
    )
    assert funnel_total > 0 and cells_of_first == 2, "the grid has both cells to change"
    run_sql(
        wh,
        *model_changed(
            "staging.stg_leads",
            "select * from staging.stg_leads_as_built union all by name "
            f"select 'L-NEW' as lead_id, date '{first}' as created_date, "
            "'partner' as source_channel, 'new' as lead_status",
        ),
        "update marts.lead_funnel_monthly set leads_created = leads_created + 2 "
        f"where month = date '{first}' and source_channel = 'inbound'",
    )

    (result,) = validate(settings, suites=["marts.lead_funnel_monthly"], run_id="funnel")

    assert result.blocking
    total = (
        "the sum of leads_created of lead_funnel_monthly equals the leads of stg_leads not "
        "in int_records_excluded created in a month of int_metric_months_spined (nothing "
        "lost, nothing invented)"
    )
    cells = (
        "leads_created, leads_qualified and leads_converted_paying of each month and "
        "source_channel of lead_funnel_monthly equal those of stg_leads (not excluded; "
        "paying: converted into an account with mrr > 0 in fct_mrr)"
    )
    # the funnel now holds 2 leads more than it did, staging 1 more: the inbound and the
    # partner cell of the first month differ
    assert _failed(result) == {total: 1, cells: 2}
    assert _failure(result, "the sum").unexpected_sample == [
        {"funnel_leads_created": funnel_total + 2, "staged_leads_created": funnel_total + 1}
    ]


def _exclude(path: Path, count: int) -> None:
    """Move `count` payments from fct_payments to int_records_excluded: the reconciliation
    still holds (flagged rows leave the fact), the fact shrinks."""
    run_sql(
        path,
        "create temp table moved as select payment_id from marts.fct_payments "
        f"order by payment_id limit {count}",
        "insert into intermediate.int_records_excluded (entity, record_key, is_flagged) "
        "select 'payments', payment_id, true from moved",
        "delete from marts.fct_payments where payment_id in (select payment_id from moved)",
    )


def test_row_count_warns_when_it_fell_by_more_than_half_since_the_last_validation(
    settings: Settings,
) -> None:
    wh = settings.warehouse
    suite = "marts.fct_payments"
    label = ROW_COUNT.format(suite)
    # the pipeline's validation saw n rows; keep k = ceil(n / 2): not below n / 2, passes
    n = scalar(wh, "select count(*) from marts.fct_payments")
    k = math.ceil(n / 2)
    _exclude(wh, n - k)
    (kept_half,) = validate(settings, suites=[suite], run_id="volume-1")
    assert kept_half.success
    assert [(e.label, e.observed_value) for e in kept_half.expectations][-1] == (label, k)

    # now compared with k: j = (k - 1) // 2 rows is below k / 2 (n = 70: k = 35, j = 17 < 17.5);
    # the minimum is half of k rounded up, (k + 1) // 2 = 18
    j = (k - 1) // 2
    _exclude(wh, k - j)
    (fell,) = validate(settings, suites=[suite], run_id="volume-2")

    assert (fell.success, fell.blocking, fell.check_severity) == (False, False, "warn")
    (row_count,) = fell.failed
    assert (row_count.label, row_count.severity, row_count.observed_value) == (label, "warn", j)
    minimum = (k + 1) // 2
    assert fell.message() == f"{suite} [warn] failed: {label}: observed {j}, expected >= {minimum}"
    # the history: the pipeline's count, then each validation's
    assert query(
        wh,
        "select observed_value from audit.validation_results where suite = ? "
        "and expectation = 'expect_table_row_count_to_be_between' order by validated_at",
        [suite],
    ) == [(n,), (k,), (j,)]
