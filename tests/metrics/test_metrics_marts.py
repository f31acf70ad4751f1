"""The metric marts on the hand-computed company (metrics_company.py), end to end.

Landing CSV files -> ingestion.loader.load_landing -> `dbt build --vars as_of` on a tmp
DuckDB file, once for the module. The fixture calls the loader and dbt directly rather
than the Dagster job of tests/pipeline_helpers.py, so that a failure here points at the
dbt layer. Then every value of metrics_monthly, fct_mrr, ar_aging_monthly,
sales_rep_monthly, cohort_retention, bookings_by_type_monthly and acquisition_monthly is
compared with the hand-worked numbers; the invariant tests are shown to fail on a broken
fct_mrr; `mf query` answers from the semantic layer.
"""

from __future__ import annotations

import shutil
from fractions import Fraction as F
from pathlib import Path

import duckdb
import pytest

from tests.dbt_runs import run_dbt
from tests.metrics import metrics_company as co
from tests.metrics.helpers import (
    MF,
    as_iso,
    assert_rows,
    close,
    mf_query,
    query,
    show,
)


def test_literals_agree_with_the_formulas() -> None:
    """The per-month literals and the METRICS formulas over the per-account MRR agree."""
    derived = co.expected_metrics_monthly()
    mismatches = [
        f"{month} {col}: literal {show(co.EXPECTED_LITERALS[month][col])} formula {show(value)}"
        for month, row in derived.items()
        for col, value in row.items()
        if not close(co.EXPECTED_LITERALS[month][col], value)
    ]
    assert not mismatches, "\n".join(mismatches)


def test_metrics_monthly_every_column_every_month(warehouse: Path) -> None:
    cols = co.METRICS_COLUMNS
    rows = query(warehouse, f"select month, {', '.join(cols)} from marts.metrics_monthly")
    by_month = {as_iso(r[0]): dict(zip(cols, r[1:], strict=True)) for r in rows}
    assert sorted(by_month) == co.MONTHS  # January to the as-of month, no July row
    mismatches = [
        f"{month} {col}: got {by_month[month][col]!r}, expected {show(expected)}"
        for month, row in co.EXPECTED_LITERALS.items()
        for col, expected in row.items()
        if not close(by_month[month][col], expected)
    ]
    assert not mismatches, "\n".join(mismatches)


def test_fct_mrr_rows(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select account_id, month, mrr, prev_mrr, movement, movement_amount from marts.fct_mrr",
    )
    got = {(r[0], as_iso(r[1])): r[2:] for r in rows}
    assert sorted(got) == sorted(co.FCT_MRR)
    mismatches = []
    for key, (mrr, prev, movement, amount) in co.FCT_MRR.items():
        g_mrr, g_prev, g_movement, g_amount = got[key]
        if not (close(g_mrr, mrr) and close(g_prev, prev) and close(g_amount, amount)):
            mismatches.append(f"{key}: got {got[key]}, expected {mrr, prev, movement, amount}")
        if g_movement != movement:
            mismatches.append(f"{key}: movement {g_movement!r}, expected {movement!r}")
    assert not mismatches, "\n".join(mismatches)


def test_fct_mrr_arr_is_twelve_times_mrr(warehouse: Path) -> None:
    rows = query(warehouse, "select mrr, arr from marts.fct_mrr")
    assert rows
    assert all(close(arr, 12 * F(mrr)) for mrr, arr in rows)


def test_ar_aging_buckets(warehouse: Path) -> None:
    rows = query(warehouse, "select month, bucket, amount from marts.ar_aging_monthly")
    got = {(as_iso(m), b): (a,) for m, b, a in rows}
    assert_rows(got, {key: (amount,) for key, amount in co.EXPECTED_AGING.items()})
    # the buckets add up to AR
    for month in co.MONTHS:
        total = sum(F(float(got[(month, b)][0])) for b in co.BUCKETS)
        assert close(float(total), co.AR[month])


def test_sales_rep_monthly(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select owner_rep_id, month, bookings_tcv, target_amount_usd, quota_attainment, "
        "win_rate from marts.sales_rep_monthly",
    )
    assert_rows({(r[0], as_iso(r[1])): r[2:] for r in rows}, co.EXPECTED_REPS)


def test_cohort_retention(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select cohort_month, months_since_start, cohort_size, starting_mrr, logos_retained, "
        "mrr_retained, logo_retention_share, mrr_retention_share from marts.cohort_retention",
    )
    expected = {
        # shares: logos_retained / cohort_size, mrr_retained / starting_mrr
        key: (F(size), start, F(logos), mrr, F(logos, size), mrr / start)
        for key, (size, start, logos, mrr) in co.EXPECTED_COHORTS.items()
    }
    assert_rows({(as_iso(r[0]), r[1]): r[2:] for r in rows}, expected)


def test_bookings_by_type(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select month, quote_type, quotes_accepted, bookings_tcv, bookings_acv "
        "from marts.bookings_by_type_monthly",
    )
    expected = {key: tuple(F(v) for v in exp) for key, exp in co.EXPECTED_BY_TYPE.items()}
    assert_rows({(as_iso(r[0]), r[1]): r[2:] for r in rows}, expected)


def test_invariant_tests_catch_a_broken_fct_mrr(warehouse: Path, tmp_path: Path) -> None:
    """The dbt invariant tests fail on a fct_mrr whose movement does not add up."""
    broken = tmp_path / "broken" / "warehouse.duckdb"
    broken.parent.mkdir()
    shutil.copy(warehouse, broken)
    con = duckdb.connect(str(broken))
    try:
        con.execute(
            "update marts.fct_mrr set movement_amount = movement_amount + 1 "
            "where account_id = 'A3' and month = date '2025-04-01'"
        )
    finally:
        con.close()
    result = run_dbt(
        ["test", "--select", "fct_mrr,test_type:data", "--vars", f"{{as_of: '{co.AS_OF}'}}"],
        broken,
        tmp_path / "target",
    )
    assert result.returncode != 0
    assert "mrr_movement_adds_up" in result.stdout
    assert "movements_sum_to_last_mrr" in result.stdout


def test_as_of_defaults_to_the_latest_event_date(warehouse: Path, tmp_path: Path) -> None:
    """Without --as-of the spine runs to the latest event: Q11, created 2025-07-05."""
    copy = tmp_path / "copy" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    result = run_dbt(
        ["run", "--select", "int_metric_months_spined", "--vars", "{as_of: ''}"],
        copy,
        tmp_path / "target",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    rows = query(
        copy,
        "select min(month), max(month), max(as_of_date), count(*) "
        "from intermediate.int_metric_months_spined",
    )
    assert [tuple(as_iso(v) for v in r) for r in rows] == [
        ("2025-01-01", "2025-07-01", "2025-07-05", "7")
    ]


@pytest.mark.skipif(not MF.exists(), reason="dbt-metricflow is not installed in this venv")
def test_metricflow_answers_a_query(warehouse: Path, tmp_path: Path) -> None:
    """`mf query` (dbt-metricflow) computes MRR, NRR, win rate and DSO from the marts."""
    rows = mf_query(warehouse, tmp_path, "mrr,nrr,win_rate,dso,bookings_tcv", "metric_time__month")
    by_month = {r["metric_time__month"][:10]: r for r in rows}
    assert sorted(by_month) == co.MONTHS
    for month in co.MONTHS:
        expected = co.EXPECTED_LITERALS[month]
        got = by_month[month]
        for metric, column in [
            ("mrr", "mrr"),
            ("nrr", "net_mrr_retention"),
            ("win_rate", "win_rate"),
            ("dso", "dso"),
            ("bookings_tcv", "bookings_tcv"),
        ]:
            value = got[metric] or None
            assert close(value, expected[column]), (month, metric, value, expected[column])


def test_acquisition_by_channel(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select month, channel, new_customers, marketing_spend_usd, cac "
        "from marts.acquisition_monthly",
    )
    expected = {
        key: tuple(None if v is None else F(v) for v in exp)
        for key, exp in co.EXPECTED_ACQUISITION.items()
    }
    assert_rows({(as_iso(r[0]), r[1]): r[2:] for r in rows}, expected)
