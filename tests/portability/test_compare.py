"""tests/portability/compare.py: two versions of a mart are equal only when they
hold the same rows, money to the cent and rates to 1e-9, whatever the row order
and the Python number types an engine's driver returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from tests.portability.compare import MARTS, MartSpec, assert_marts_equal, compare_mart

SPEC = MartSpec(key=("account_id", "month"), money=frozenset({"mrr"}))
JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def rows() -> list[dict]:
    return [
        {"account_id": "A1", "month": JAN, "mrr": Decimal("100.0000"), "churn_rate": 0.25},
        {"account_id": "A1", "month": FEB, "mrr": Decimal("120.5000"), "churn_rate": None},
        {"account_id": "A2", "month": JAN, "mrr": Decimal("0.0000"), "churn_rate": 0.0},
    ]


def test_the_same_rows_in_another_order_and_number_type_are_equal() -> None:
    # Postgres returns numeric as Decimal, DuckDB's double as float: 100.0 == Decimal('100')
    other = [dict(row, mrr=float(row["mrr"])) for row in reversed(rows())]
    diff = compare_mart("fct_mrr", rows(), other, spec=SPEC)
    assert diff.equal, str(diff)
    assert str(diff) == "fct_mrr: duckdb 3 rows, other 3 rows: equal"


def test_money_is_compared_to_the_cent() -> None:
    # 120.50 vs 120.504: 0.004 apart, the same amount in cents
    close = rows()
    close[1]["mrr"] = Decimal("120.504")
    assert compare_mart("fct_mrr", rows(), close, spec=SPEC).equal
    # 120.50 vs 120.51: one cent apart
    off = rows()
    off[1]["mrr"] = Decimal("120.51")
    diff = compare_mart("fct_mrr", rows(), off, spec=SPEC, labels=("duckdb", "postgres"))
    assert not diff.equal
    assert diff.differences == (
        "(account_id='A1', month=2025-02-01) mrr 120.5000 (duckdb) != 120.51 (postgres)",
    )


def test_rates_are_compared_to_1e_9() -> None:
    # 0.25 + 1e-12: float noise of another summation order
    noisy = rows()
    noisy[0]["churn_rate"] = 0.25 + 1e-12
    assert compare_mart("fct_mrr", rows(), noisy, spec=SPEC).equal
    # 0.25 + 1e-7 is another rate
    off = rows()
    off[0]["churn_rate"] = 0.2500001
    diff = compare_mart("fct_mrr", rows(), off, spec=SPEC)
    assert diff.differences == (
        "(account_id='A1', month=2025-01-01) churn_rate 0.25 (duckdb) != 0.2500001 (other)",
    )


def test_null_is_not_zero() -> None:
    zero = rows()
    zero[1]["churn_rate"] = 0.0
    diff = compare_mart("fct_mrr", rows(), zero, spec=SPEC, labels=("duckdb", "spark"))
    assert diff.differences == (
        "(account_id='A1', month=2025-02-01) churn_rate None (duckdb) != 0.0 (spark)",
    )


def test_a_missing_row_is_reported_with_its_values() -> None:
    diff = compare_mart("fct_mrr", rows(), rows()[:2], spec=SPEC, labels=("duckdb", "spark"))
    assert diff.row_counts == (3, 2)
    assert diff.differences == (
        "(account_id='A2', month=2025-01-01) only in duckdb: {mrr: 0.0000, churn_rate: 0.0}",
    )


def test_a_duplicated_row_is_a_difference() -> None:
    doubled = [*rows(), rows()[0]]
    diff = compare_mart("fct_mrr", rows(), doubled, spec=SPEC, labels=("duckdb", "postgres"))
    assert diff.differences == (
        "(account_id='A1', month=2025-01-01) 1 rows in duckdb, 2 rows in postgres",
    )
    with pytest.raises(AssertionError, match="fct_mrr: duckdb 3 rows, postgres 4 rows"):
        assert_marts_equal("fct_mrr", rows(), doubled, spec=SPEC, labels=("duckdb", "postgres"))


def test_arrow_tables_are_compared_like_rows() -> None:
    left = pa.Table.from_pylist(rows())
    right = pa.Table.from_pylist(list(reversed(rows())))
    assert compare_mart("fct_mrr", left, right, spec=SPEC).equal


def test_the_report_shows_the_first_differences_and_counts_the_rest() -> None:
    # every churn_rate shifted by 0.5: three differences, the first two shown
    shifted = [dict(row, churn_rate=(row["churn_rate"] or 0) + 0.5) for row in rows()]
    text = str(compare_mart("fct_mrr", rows(), shifted, spec=SPEC, limit=2))
    assert text.splitlines() == [
        "fct_mrr: duckdb 3 rows, other 3 rows: 3 differences",
        "  (account_id='A1', month=2025-01-01) churn_rate 0.25 (duckdb) != 0.75 (other)",
        "  (account_id='A1', month=2025-02-01) churn_rate None (duckdb) != 0.5 (other)",
        "  ... and 1 more",
    ]


def test_every_mart_has_a_spec_whose_key_is_among_its_documented_columns() -> None:
    """MARTS covers every mart model, and names only columns of its YAML."""
    marts = Path(__file__).parents[2] / "dbt_project" / "models" / "marts"
    documented = {
        model["name"]: {column["name"] for column in model.get("columns", [])}
        for path in marts.rglob("_*__models.yml")
        for model in yaml.safe_load(path.read_text())["models"]
    }
    assert set(MARTS) == set(documented)
    for mart, spec in MARTS.items():
        unknown = (set(spec.key) | spec.money | spec.ignored) - documented[mart]
        assert not unknown, f"{mart}: {sorted(unknown)} are not columns of its YAML"


def test_ignored_columns_may_differ() -> None:
    # model_evaluation: each dbt invocation has its own id and start time
    spec = MartSpec(key=("model_name",), ignored=frozenset({"invocation_id"}))
    left = [{"invocation_id": "run-1", "model_name": "churn_risk", "auc": 0.75}]
    right = [{"invocation_id": "run-2", "model_name": "churn_risk", "auc": 0.75}]
    assert compare_mart("model_evaluation", left, right, spec=spec).equal
    right[0]["auc"] = 0.5
    assert not compare_mart("model_evaluation", left, right, spec=spec).equal


def test_a_timestamp_with_utc_is_the_same_instant_without_it() -> None:
    spec = MartSpec(key=("lead_id",))
    naive = [{"lead_id": "L1", "created_at": dt.datetime(2025, 1, 2, 3, 4, 5)}]
    utc = [{"lead_id": "L1", "created_at": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)}]
    assert compare_mart("fct_leads", naive, utc, spec=spec).equal
    # 03:04:05 at +01:00 is 02:04:05 UTC: another instant
    cet = dt.timezone(dt.timedelta(hours=1))
    other = [{"lead_id": "L1", "created_at": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=cet)}]
    assert not compare_mart("fct_leads", naive, other, spec=spec).equal
