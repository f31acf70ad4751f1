"""The lead and activity metrics on the hand-computed company (leads_company.py), end to end.

The company's warehouse (fixture `warehouse`, tests/metrics/conftest.py) holds the leads
and activities of leads_company.py. Every new column of metrics_monthly,
sales_rep_monthly.activities and every row of lead_funnel_monthly are compared with the
numbers worked out by hand there; the flags, exclusions and facts of the two entities
too. A second warehouse of the same company without the two entities (never landed)
shows the lead and activity numbers null, not 0, and every other number unchanged.
"""

from __future__ import annotations

import shutil
from fractions import Fraction as F
from pathlib import Path

import duckdb
import pytest

from expectations.runner import validate
from foundation.settings import Settings
from ingestion.loader import load_landing
from tests.metrics import leads_company as lc
from tests.metrics import metrics_company as co
from tests.metrics.helpers import (
    MF,
    as_iso,
    assert_rows,
    close,
    dbt_around_churn_model,
    mf_query,
    query,
    show,
)

LEAD_SUITES = ["marts.fct_leads", "marts.fct_activities", "marts.lead_funnel_monthly"]


def test_metrics_monthly_lead_and_activity_columns(warehouse: Path) -> None:
    cols = lc.LEAD_COLUMNS
    rows = query(warehouse, f"select month, {', '.join(cols)} from marts.metrics_monthly")
    got = {as_iso(r[0]): dict(zip(cols, r[1:], strict=True)) for r in rows}
    assert sorted(got) == co.MONTHS
    mismatches = [
        f"{month} {col}: got {got[month][col]!r}, expected {show(expected)}"
        for month, row in lc.EXPECTED_LEAD_METRICS.items()
        for col, expected in row.items()
        if not close(got[month][col], expected)
    ]
    assert not mismatches, "\n".join(mismatches)


def test_the_other_metrics_do_not_move(warehouse: Path) -> None:
    """Leads and activities never move the month range nor any earlier number."""
    cols = co.METRICS_COLUMNS
    rows = query(warehouse, f"select month, {', '.join(cols)} from marts.metrics_monthly")
    got = {as_iso(r[0]): dict(zip(cols, r[1:], strict=True)) for r in rows}
    assert sorted(got) == co.MONTHS
    assert all(
        close(got[month][col], expected)
        for month, row in co.EXPECTED_LITERALS.items()
        for col, expected in row.items()
    )


def test_sales_rep_monthly_activities(warehouse: Path) -> None:
    rows = query(warehouse, "select owner_rep_id, month, activities from marts.sales_rep_monthly")
    expected = {key: (F(n),) for key, n in lc.EXPECTED_REP_ACTIVITIES.items()}
    assert_rows({(r[0], as_iso(r[1])): r[2:] for r in rows}, expected)


def test_lead_funnel_every_month_and_channel(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select month, source_channel, leads_created, leads_qualified, leads_converted_paying,"
        " lead_qualification_rate, lead_conversion_rate from marts.lead_funnel_monthly",
    )
    assert_rows({(as_iso(r[0]), r[1]): r[2:] for r in rows}, lc.EXPECTED_FUNNEL)


def test_unresolved_leads_and_activities_are_flagged_and_left_out(warehouse: Path) -> None:
    flagged = query(
        warehouse,
        "select entity, record_key, reason from audit.flagged"
        " where entity in ('leads', 'activities')",
    )
    assert {(e, k): r for e, k, r in flagged} == lc.FLAGGED
    excluded = query(
        warehouse,
        "select entity, record_key, excluded_by from intermediate.int_records_excluded"
        " where not is_flagged",
    )
    assert {(e, k): by for e, k, by in excluded} == lc.EXCLUDED_BY_PARENT
    leads = query(
        warehouse,
        "select lead_id, is_qualified, is_converted, days_to_convert from marts.fct_leads",
    )
    assert {r[0]: r[1:] for r in leads} == lc.FCT_LEADS
    activities = query(warehouse, "select activity_id from marts.fct_activities")
    assert {r[0] for r in activities} == lc.FCT_ACTIVITIES


def test_the_lead_suites_pass_on_the_company(warehouse: Path, tmp_path: Path) -> None:
    """GX reconciles fct_leads, fct_activities and lead_funnel_monthly with staging."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    settings = Settings(landing=tmp_path / "landing", warehouse=copy)
    results = validate(settings, suites=LEAD_SUITES, run_id="lead-suites")
    assert [r.suite for r in results] == LEAD_SUITES
    assert [r.message() for r in results if not r.success] == []
    # and a funnel cell that disagrees with staging fails: one more January partner lead
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "update marts.lead_funnel_monthly set leads_created = leads_created + 1"
            " where month = date '2025-01-01' and source_channel = 'partner'"
        )
    finally:
        con.close()
    (funnel,) = validate(settings, suites=["marts.lead_funnel_monthly"], run_id="broken")
    assert not funnel.success and funnel.blocking
    # the total is off by one (12 against 11 staged leads in the range), and one cell
    assert [(e.label.split(" of ")[0], e.unexpected_count) for e in funnel.failed] == [
        ("the sum", 1),
        ("leads_created, leads_qualified and leads_converted_paying", 1),
    ]


@pytest.mark.skipif(not MF.exists(), reason="dbt-metricflow is not installed in this venv")
def test_metricflow_answers_lead_conversion(warehouse: Path, tmp_path: Path) -> None:
    """Leads created and the lead conversion rate from the semantic layer, by month and by
    channel (the ratio of the sums, not the mean of the monthly rates)."""
    metrics = "leads_created,lead_conversion_rate,lead_qualification_rate"
    by_month = {
        r["metric_time__month"][:10]: r
        for r in mf_query(warehouse, tmp_path, metrics, "metric_time__month")
    }
    assert sorted(by_month) == co.MONTHS
    for month, expected in lc.EXPECTED_LEAD_METRICS.items():
        for metric in metrics.split(","):
            value = by_month[month][metric] or None
            assert close(value, expected[metric]), (month, metric, value, expected[metric])
    by_channel = {
        r["lead_cohort__source_channel"]: r
        for r in mf_query(warehouse, tmp_path, metrics, "lead_cohort__source_channel")
    }
    # over January to June: inbound L1 L3 L6 L10 = 4 created, 3 qualified, 1 paying (L1);
    # outbound L4 L8 L14 = 3, 3, 1 (L8); partner L2 L9 = 2, 2, 2; paid_search L7 = 1, 0, 0;
    # unknown L5 = 1, 0, 0; events 0 (L11 is after the as-of month): no rates
    expected_by_channel = {
        "inbound": (F(4), F(1, 4), F(3, 4)),
        "outbound": (F(3), F(1, 3), F(1)),
        "partner": (F(2), F(1), F(1)),
        "paid_search": (F(1), F(0), F(0)),
        "unknown": (F(1), F(0), F(0)),
        "events": (F(0), None, None),
    }
    assert sorted(by_channel) == sorted(expected_by_channel)
    for channel, expected in expected_by_channel.items():
        got = tuple(by_channel[channel][m] or None for m in metrics.split(","))
        assert all(close(g, e) for g, e in zip(got, expected, strict=True)), (channel, got)


@pytest.fixture(scope="module")
def without_leads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The company without leads and activities: their raw tables exist, empty."""
    tmp = tmp_path_factory.mktemp("company_without_leads")
    landing = co.write_landing(tmp / "landing")
    for name in lc.LANDING:
        shutil.rmtree(landing / name)
    warehouse = tmp / "warehouse.duckdb"
    load_landing(Settings(landing, warehouse))
    dbt_around_churn_model(
        "run", warehouse, tmp / "target", args=("--vars", f"{{as_of: '{co.AS_OF}'}}")
    )
    yield warehouse
    shutil.rmtree(tmp / "target", ignore_errors=True)


def test_never_landed_leads_and_activities_are_null_not_zero(without_leads: Path) -> None:
    assert query(without_leads, "select count(*) from raw.leads union all "
                 "select count(*) from raw.activities") == [(0,), (0,)]  # fmt: skip
    cols = lc.LEAD_COLUMNS
    rows = query(without_leads, f"select month, {', '.join(cols)} from marts.metrics_monthly")
    assert sorted(as_iso(r[0]) for r in rows) == co.MONTHS
    assert {value for row in rows for value in row[1:]} == {None}
    reps = query(without_leads, "select distinct activities from marts.sales_rep_monthly")
    assert reps == [(None,)]
    assert query(without_leads, "select count(*) from marts.lead_funnel_monthly") == [(0,)]
    # every other number of the company is the same as with them
    other = co.METRICS_COLUMNS
    rows = query(without_leads, f"select month, {', '.join(other)} from marts.metrics_monthly")
    got = {as_iso(r[0]): dict(zip(other, r[1:], strict=True)) for r in rows}
    mismatches = [
        f"{month} {col}: got {got[month][col]!r}, expected {show(expected)}"
        for month, row in co.EXPECTED_LITERALS.items()
        for col, expected in row.items()
        if not close(got[month][col], expected)
    ]
    assert not mismatches, "\n".join(mismatches)
