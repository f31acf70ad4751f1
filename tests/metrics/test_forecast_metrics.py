"""Forecasts on the hand-computed company (forecasts_company.py), end to end.

The company's warehouse (conftest `warehouse`: landing CSV -> loader -> dbt build) with
the forecast submissions of forecasts_company.py. Checked against the hand-worked
numbers: the submissions of fct_forecast_submissions and their forecast of record,
forecast_commit / forecast_accuracy / pipeline_forecast / pipeline_forecast_accuracy of
every month of metrics_monthly, forecast_commit / forecast_accuracy of every rep-month
of sales_rep_monthly; and, on a copy without forecast submissions, the commit columns
null (not 0) while the pipeline forecast, which reads quotes only, stays. The literals
are derived once more from the definitions in Python, and MetricFlow answers the four
metrics from the semantic layer.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction as F
from pathlib import Path

import duckdb
import pytest

from tests.dbt_runs import run_dbt
from tests.metrics import forecasts_company as fc
from tests.metrics import metrics_company as co
from tests.metrics.helpers import (
    MF,
    as_iso,
    assert_rows,
    mf_query,
    query,
)

FORECAST_COLUMNS = [
    "forecast_commit",
    "forecast_accuracy",
    "pipeline_forecast",
    "pipeline_forecast_accuracy",
]


def test_fct_forecast_submissions_marks_the_forecast_of_record(warehouse: Path) -> None:
    """Every submission is kept (resubmissions too); the one of record per rep-month is
    the latest whose UTC date is on or before the month's first day."""
    rows = query(
        warehouse,
        "select owner_rep_id, forecast_month, strftime(submitted_at, '%Y-%m-%d %H:%M:%S'), "
        "submission_number, is_submitted_by_month_start, is_forecast_of_record "
        "from marts.fct_forecast_submissions",
    )
    got = {(r[0], as_iso(r[1]), r[2]): tuple(r[3:]) for r in rows}
    assert got == fc.EXPECTED_SUBMISSIONS
    assert len(rows) == len(fc.LANDING["forecast_submissions"])


def test_metrics_monthly_forecast_columns_every_month(warehouse: Path) -> None:
    rows = query(
        warehouse, f"select month, {', '.join(FORECAST_COLUMNS)} from marts.metrics_monthly"
    )
    got = {(as_iso(r[0]),): tuple(r[1:]) for r in rows}
    expected = {
        (month,): tuple(fc.EXPECTED_METRICS[month][col] for col in FORECAST_COLUMNS)
        for month in co.MONTHS
    }
    assert_rows(got, expected)


def test_sales_rep_monthly_forecast_columns(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select owner_rep_id, month, forecast_commit, forecast_accuracy "
        "from marts.sales_rep_monthly",
    )
    assert_rows({(r[0], as_iso(r[1])): tuple(r[2:]) for r in rows}, fc.EXPECTED_REPS)


def test_the_team_commit_is_the_sum_of_the_reps(warehouse: Path) -> None:
    """The metrics_monthly commit of each month is the sum of sales_rep_monthly's (both
    null when no rep has a forecast of record)."""
    rows = query(
        warehouse,
        "select m.month, m.forecast_commit, sum(r.forecast_commit) "
        "from marts.metrics_monthly as m "
        "left join marts.sales_rep_monthly as r on r.month = m.month "
        "group by m.month, m.forecast_commit",
    )
    assert len(rows) == len(co.MONTHS)
    for month, team, reps in rows:
        assert (team is None) == (reps is None), month
        assert team is None or abs(team - reps) < 1e-9, month


def test_without_forecast_submissions_the_commit_columns_are_null(
    warehouse: Path, tmp_path: Path
) -> None:
    """No forecast submissions (the optional entity never landed: its raw table is
    empty): forecast_commit and forecast_accuracy are null in every month and rep-month,
    not 0; the pipeline forecast (quotes only) keeps its values."""
    copy = tmp_path / "no_forecasts" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("delete from raw.forecast_submissions")
    finally:
        con.close()
    # Raw rows deleted by hand (raw is append-only otherwise) need a full refresh: an
    # incremental build reads only rows loaded since the last one.
    result = run_dbt(
        [
            "build",
            "--full-refresh",
            "--select",
            "stg_forecast_submissions+",
            "--vars",
            f"{{as_of: '{co.AS_OF}'}}",
        ],
        copy,
        tmp_path / "target",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert query(copy, "select count(*) from marts.fct_forecast_submissions") == [(0,)]
    months = query(copy, f"select month, {', '.join(FORECAST_COLUMNS)} from marts.metrics_monthly")
    expected = {
        (month,): (None, None, fc.PIPELINE_FORECAST[month], fc.PIPELINE_FORECAST_ACCURACY[month])
        for month in co.MONTHS
    }
    assert_rows({(as_iso(r[0]),): tuple(r[1:]) for r in months}, expected)
    reps = query(
        copy,
        "select owner_rep_id, month, forecast_commit, forecast_accuracy "
        "from marts.sales_rep_monthly",
    )
    assert_rows(
        {(r[0], as_iso(r[1])): tuple(r[2:]) for r in reps},
        {key: (None, None) for key in fc.EXPECTED_REPS},
    )


# --- The literals of forecasts_company.py against the definitions -----------------------
# A second derivation, in Python, of the hand-worked numbers from the landing rows and
# the quotes' dates (not from the SQL): a slip in the hand arithmetic shows here.


def _month_of(day: str) -> str:
    return day[:8] + "01"


def _prev_month_end(month: str) -> date:
    return date.fromisoformat(month) - timedelta(days=1)


def _month_end(month: str) -> date:
    first = date.fromisoformat(month)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _forecasts_of_record() -> dict[tuple[str, str], F]:
    latest: dict[tuple[str, str], tuple[datetime, F]] = {}
    for row in fc.LANDING["forecast_submissions"]:
        at = datetime.fromisoformat(str(row["submitted_at"])).astimezone(UTC)
        month = str(row["forecast_month"])
        if at.date() > date.fromisoformat(month):
            continue
        key = (str(row["owner_rep_id"]), month)
        if key not in latest or at > latest[key][0]:
            latest[key] = (at, F(str(row["commit_amount_usd"])))
    return {key: commit for key, (_, commit) in latest.items()}


def _accuracy(bookings: F, commit: F | None) -> F | None:
    return None if commit is None or bookings == 0 else 1 - abs(bookings - commit) / bookings


def _pipeline_history(month: str) -> tuple[dict[str, F], dict[str, F], F]:
    """open(k, s), won(k, s) and the TCV created and accepted in k."""
    as_of, end = _prev_month_end(month), _month_end(month)
    opened = {"draft": F(0), "sent": F(0)}
    won = {"draft": F(0), "sent": F(0)}
    created_and_won = F(0)
    for created, sent, decided, status, value in fc.QUOTES.values():
        decided_on = date.fromisoformat(decided) if decided else None
        if date.fromisoformat(created) <= as_of and (decided_on is None or decided_on > as_of):
            stage = "sent" if sent and date.fromisoformat(sent) <= as_of else "draft"
            opened[stage] += value
            if status == "accepted" and decided_on <= end:
                won[stage] += value
        if status == "accepted" and _month_of(created) == month == _month_of(decided or ""):
            created_and_won += value
    return opened, won, created_and_won


def test_literals_agree_with_the_definitions() -> None:
    records = _forecasts_of_record()
    rep_bookings = {key: value[0] for key, value in co.EXPECTED_REPS.items()}
    for key, (commit, accuracy) in fc.EXPECTED_REPS.items():
        assert records.get(key) == commit, key
        assert _accuracy(rep_bookings[key], records.get(key)) == accuracy, key
    history = {month: _pipeline_history(month) for month in co.MONTHS}
    for index, month in enumerate(co.MONTHS):
        reps = [rep for rep, m in records if m == month]
        commit = sum((records[(rep, month)] for rep in reps), F(0)) if reps else None
        booked = sum((rep_bookings[(rep, month)] for rep in reps), F(0))
        window = co.MONTHS[max(0, index - 12) : index]
        forecast = None
        if window:
            rate = {
                stage: (
                    sum(history[k][1][stage] for k in window)
                    / sum(history[k][0][stage] for k in window)
                    if sum(history[k][0][stage] for k in window)
                    else F(0)
                )
                for stage in ("draft", "sent")
            }
            run_rate = sum(history[k][2] for k in window) / len(window)
            forecast = sum(rate[s] * history[month][0][s] for s in rate) + run_rate
        bookings = co.EXPECTED_LITERALS[month]["bookings_tcv"]
        derived = {
            "forecast_commit": commit,
            "forecast_accuracy": _accuracy(booked, commit),
            "pipeline_forecast": forecast,
            "pipeline_forecast_accuracy": _accuracy(bookings, forecast),
        }
        assert derived == fc.EXPECTED_METRICS[month], month


@pytest.mark.skipif(not MF.exists(), reason="dbt-metricflow is not installed in this venv")
def test_metricflow_answers_the_forecast_metrics(warehouse: Path, tmp_path: Path) -> None:
    """`mf query` computes the four forecast metrics per month as the mart has them."""
    rows = mf_query(warehouse, tmp_path, ",".join(FORECAST_COLUMNS), "metric_time__month")
    got = {
        (r["metric_time__month"][:10],): tuple(r[col] or None for col in FORECAST_COLUMNS)
        for r in rows
    }
    # months without any value of the four (none here) would be missing from the answer
    expected = {
        (month,): tuple(fc.EXPECTED_METRICS[month][col] for col in FORECAST_COLUMNS)
        for month in co.MONTHS
    }
    assert_rows(got, expected)
