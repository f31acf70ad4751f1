"""Customer success and margin on the hand-computed company (cs_company.py), end to end.

The company's warehouse (fixture `warehouse`, tests/metrics/conftest.py) holds the CSAT
responses, usage rows and unit costs of cs_company.py. The new columns of
metrics_monthly and every row of product_margin_monthly are compared with the numbers
worked out by hand there; the flags and facts of the two entities too, and that no
comment or e-mail reaches a mart. A second warehouse of the same company without the
two entities and without the unit_cost column shows the new numbers null, not 0, and
every other number unchanged.
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
from tests.metrics import cs_company as cs
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

CS_SUITES = [
    "marts.fct_csat_responses",
    "marts.fct_product_usage",
    "marts.product_margin_monthly",
]


def _monthly(warehouse: Path, cols: list[str]) -> dict[str, dict[str, object]]:
    rows = query(warehouse, f"select month, {', '.join(cols)} from marts.metrics_monthly")
    return {as_iso(r[0]): dict(zip(cols, r[1:], strict=True)) for r in rows}


def _mismatches(got: dict, expected: dict[str, dict[str, F | None]]) -> list[str]:
    return [
        f"{month} {col}: got {got[month][col]!r}, expected {show(value)}"
        for month, row in expected.items()
        for col, value in row.items()
        if not close(got[month][col], value)
    ]


def test_metrics_monthly_customer_success_and_margin_columns(warehouse: Path) -> None:
    got = _monthly(warehouse, cs.CS_COLUMNS)
    assert sorted(got) == co.MONTHS  # CS10 and the July usage row add no month
    mismatches = _mismatches(got, cs.EXPECTED_CS_METRICS)
    assert not mismatches, "\n".join(mismatches)


def test_product_margin_monthly_by_family(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select month, family, costed_lines, revenue_usd, cost_usd, gross_margin,"
        " gross_margin_rate from marts.product_margin_monthly",
    )
    assert_rows({(as_iso(r[0]), r[1]): r[2:] for r in rows}, cs.EXPECTED_MARGIN)


def test_the_other_metrics_do_not_move(warehouse: Path) -> None:
    got = _monthly(warehouse, co.METRICS_COLUMNS)
    assert not _mismatches(got, co.EXPECTED_LITERALS)


def test_unresolved_responses_and_usage_are_flagged_and_left_out(warehouse: Path) -> None:
    flagged = query(
        warehouse,
        "select entity, record_key, reason from audit.flagged"
        " where entity in ('csat_responses', 'product_usage')",
    )
    assert {(e, k): r for e, k, r in flagged} == cs.FLAGGED
    responses = query(
        warehouse,
        "select response_id, score, is_satisfied, responded_month from marts.fct_csat_responses",
    )
    assert {r[0]: (r[1], r[2], as_iso(r[3])) for r in responses} == cs.FCT_CSAT
    usage = query(warehouse, "select account_id, product_id, month from marts.fct_product_usage")
    assert {(a, p, as_iso(m)) for a, p, m in usage} == cs.FCT_USAGE


def test_no_comment_or_email_reaches_a_mart(warehouse: Path) -> None:
    """The comment stays in staging (where it is); no mart has a comment or e-mail
    column, and no text column of a mart holds the comments or an account's e-mail."""
    staged = query(warehouse, "select comment from staging.stg_csat_responses")
    assert {cs.PHONE_COMMENT, cs.EMAIL_COMMENT} <= {r[0] for r in staged}
    columns = query(
        warehouse,
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts'",
    )
    assert not [c for c in columns if "comment" in c[1] or "email" in c[1]]
    secrets = [cs.PHONE_COMMENT, cs.EMAIL_COMMENT, "ap@bravo.test", "555 0100"]
    for table, column, _ in (c for c in columns if c[2] == "VARCHAR"):
        hits = query(
            warehouse,
            f'select count(*) from marts."{table}" where '
            + " or ".join(f"contains(\"{column}\", '{s}')" for s in secrets),
        )
        assert hits == [(0,)], (table, column)


def test_the_cs_suites_pass_on_the_company(warehouse: Path, tmp_path: Path) -> None:
    """GX reconciles the two facts with staging and the exclusions, and the product
    margin with the invoice lines; a margin cell that disagrees fails."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    settings = Settings(landing=tmp_path / "landing", warehouse=copy)
    results = validate(settings, suites=CS_SUITES, run_id="cs-suites")
    assert [r.suite for r in results] == CS_SUITES
    assert [r.message() for r in results if not r.success] == []
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "update marts.product_margin_monthly set revenue_usd = revenue_usd + 1"
            " where month = date '2025-02-01' and family = 'platform'"
        )
        # and a flagged usage row let into the fact
        con.execute(
            "insert into marts.fct_product_usage (account_id, product_id, month,"
            " licensed_seats, active_users, new_users, _source_loaded_at)"
            " values ('A9', 'PLAT', date '2025-03-01', 10, 10, 10, now())"
        )
    finally:
        con.close()
    usage, margin = validate(
        settings, suites=["marts.fct_product_usage", "marts.product_margin_monthly"], run_id="b"
    )
    assert not margin.success and margin.blocking
    assert [e.unexpected_count for e in margin.failed] == [1]
    assert not usage.success and usage.blocking
    assert [e.unexpected_count for e in usage.failed] == [1]  # nothing invented


@pytest.mark.skipif(not MF.exists(), reason="dbt-metricflow is not installed in this venv")
def test_metricflow_answers_csat_seats_and_margin(warehouse: Path, tmp_path: Path) -> None:
    """CSAT, seat utilization and gross margin from the semantic layer: by month, by
    quarter (ratios of the sums, not means of the monthly rates) and by family."""
    metrics = "csat,seat_utilization,gross_margin,gross_margin_rate"
    by_month = {
        r["metric_time__month"][:10]: r
        for r in mf_query(warehouse, tmp_path, metrics, "metric_time__month")
    }
    for month, expected in cs.EXPECTED_CS_METRICS.items():
        for metric in metrics.split(","):
            value = by_month[month][metric] or None if month in by_month else None
            assert close(value, expected[metric]), (month, metric, value, expected[metric])
    by_quarter = {
        r["metric_time__quarter"][:10]: r
        for r in mf_query(warehouse, tmp_path, metrics, "metric_time__quarter")
    }
    # Q1: CSAT (1 + 1 + 1) / (2 + 2 + 1) = 3/5; seats (4 + 6 + 6) / (5 + 7 + 7) = 16/19;
    #     margin 1255 + 90 + 90 = 1435 over revenue 1730 + 150 + 150 = 2030
    # Q2: CSAT (2 + 0 + 0) / (3 + 0 + 1) = 2/4; seats (2 + 5) / (2 + 4) = 7/6;
    #     margin 330 (April only) over 510
    expected_quarters = {
        "2025-01-01": (F(3, 5), F(16, 19), F(1435), F(1435, 2030)),
        "2025-04-01": (F(2, 4), F(7, 6), F(330), F(330, 510)),
    }
    assert sorted(by_quarter) == sorted(expected_quarters)
    for quarter, expected in expected_quarters.items():
        got = tuple(by_quarter[quarter][m] or None for m in metrics.split(","))
        assert all(close(g, e) for g, e in zip(got, expected, strict=True)), (quarter, got)
    by_family = {
        r["margin_cell__family"]: r
        for r in mf_query(
            warehouse, tmp_path, "gross_margin,gross_margin_rate", "margin_cell__family"
        )
    }
    # platform: 530 + 90 + 90 + 330 = 1040 over 730 + 150 + 150 + 510 = 1540;
    # services: 725 over 1000
    assert sorted(by_family) == ["platform", "services"]
    for family, (margin, rate) in {
        "platform": (F(1040), F(1040, 1540)),
        "services": (F(725), F(725, 1000)),
    }.items():
        got = by_family[family]
        assert close(got["gross_margin"], margin) and close(got["gross_margin_rate"], rate)


@pytest.fixture(scope="module")
def without_cs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The company without CSAT responses, usage and the unit_cost column: the raw tables
    exist, empty, and raw.products.unit_cost is null."""
    tmp = tmp_path_factory.mktemp("company_without_cs")
    landing = co.write_landing(tmp / "landing", customer_success=False)
    assert not (landing / "csat_responses").exists()
    assert "unit_cost" not in (landing / "products" / "2025-07-10.csv").read_text().split("\n")[0]
    warehouse = tmp / "warehouse.duckdb"
    load_landing(Settings(landing, warehouse))
    dbt_around_churn_model(
        "run", warehouse, tmp / "target", args=("--vars", f"{{as_of: '{co.AS_OF}'}}")
    )
    yield warehouse
    shutil.rmtree(tmp / "target", ignore_errors=True)


def test_never_landed_customer_success_and_margin_are_null_not_zero(without_cs: Path) -> None:
    assert query(
        without_cs,
        "select count(*) from raw.csat_responses union all"
        " select count(*) from raw.product_usage union all"
        " select count(*) from raw.products where unit_cost is not null",
    ) == [(0,), (0,), (0,)]
    got = _monthly(without_cs, cs.CS_COLUMNS)
    assert sorted(got) == co.MONTHS
    assert {value for row in got.values() for value in row.values()} == {None}
    assert query(without_cs, "select count(*) from marts.product_margin_monthly") == [(0,)]
    # every other number of the company is the same as with them
    other = _monthly(without_cs, co.METRICS_COLUMNS)
    assert not _mismatches(other, co.EXPECTED_LITERALS)
