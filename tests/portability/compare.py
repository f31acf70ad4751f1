"""Compare two versions of one mart, e.g. DuckDB's and Postgres' or Spark's.

The same models on every engine must give the same marts row for row
(issue 18). Engines differ in how they print numbers (decimal scales, float
bits), not in what the numbers are, so the comparison is:

- order-insensitive: rows are matched on the mart's key columns (its grain, as
  documented in its YAML); a key present on one side only, or more often on
  one side than on the other, is a missing or duplicated row;
- money to the cent: two amounts are equal when they differ by less than
  0.005 (docs/metrics.md (Conventions): money keeps full precision and is
  rounded to cents when shown);
- other fractional numbers (rates, shares, averages, day counts) to 1e-9,
  relative to the larger of 1 and their size;
- integers, text, dates, timestamps and booleans exactly; a number equals the
  same number of another Python type (3, 3.0 and Decimal('3')), a timestamp
  with a time zone the same instant without one, read as UTC (a driver may
  attach UTC to Parquet timestamps);
- nulls: null equals only null (null is never 0).

`compare_mart` returns a `MartDiff` whose text names the first differing rows;
`assert_marts_equal` raises AssertionError with that text. `MARTS` holds the
key and money columns of every mart of dbt_project/models/marts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MONEY_TOLERANCE = 0.005
RATE_TOLERANCE = 1e-9

Row = Mapping[str, Any]


@dataclass(frozen=True)
class MartSpec:
    """The grain (key columns) and money columns of one mart, and the columns
    that differ by nature between two builds (ignored)."""

    key: tuple[str, ...]
    money: frozenset[str] = field(default_factory=frozenset)
    ignored: frozenset[str] = field(default_factory=frozenset)


def _spec(key: str, money: str = "", ignored: str = "") -> MartSpec:
    return MartSpec(
        key=tuple(key.split()), money=frozenset(money.split()), ignored=frozenset(ignored.split())
    )


# Grain from each mart's description / unique tests in its YAML; money columns
# are the amounts (USD or the row's currency), compared to the cent.
MARTS: dict[str, MartSpec] = {
    # core
    "dim_account": _spec("account_key"),
    "dim_currency": _spec("currency"),
    "dim_date": _spec("date_day"),
    "dim_product": _spec("product_id", "list_price unit_cost"),
    "dim_sales_rep": _spec("owner_rep_id"),
    "fct_activities": _spec("activity_id"),
    "fct_csat_responses": _spec("response_id"),
    "fct_forecast_submissions": _spec(
        "forecast_submission_id", "commit_amount_usd best_case_amount_usd"
    ),
    "fct_invoice_lines": _spec("invoice_line_id", "unit_amount amount amount_usd"),
    "fct_invoices": _spec("invoice_id", "total_amount total_amount_usd"),
    "fct_leads": _spec("lead_id"),
    "fct_payments": _spec("payment_id", "amount amount_usd amount_usd_at_invoice_rate"),
    "fct_product_usage": _spec("account_id product_id month"),
    "fct_quote_lines": _spec(
        "quote_line_id",
        "unit_price monthly_value line_value monthly_value_usd line_value_usd",
    ),
    "fct_quotes": _spec("quote_id", "quote_value quote_value_usd acv_usd tcv_usd"),
    # customer success
    "account_360": _spec(
        "account_id",
        "mrr arr lifetime_invoiced lifetime_collected open_ar open_pipeline_value",
    ),
    # one row per dbt invocation: two builds share the evaluation, not the invocation
    "model_evaluation": _spec("model_name as_of_month", ignored="invocation_id trained_at"),
    # finance
    "ar_aging_monthly": _spec("month bucket", "amount"),
    "cohort_retention": _spec("cohort_month months_since_start", "starting_mrr mrr_retained"),
    "fct_mrr": _spec("account_id month", "mrr prev_mrr movement_amount arr"),
    "product_margin_monthly": _spec("month family", "revenue_usd cost_usd gross_margin"),
    # metrics
    "metric_time_spine": _spec("date_day"),
    "metrics_monthly": _spec(
        "month",
        "mrr arr prev_mrr new_mrr expansion_mrr contraction_mrr churned_mrr"
        " reactivation_mrr net_new_mrr arpu ltv invoiced recognized_revenue"
        " deferred_revenue collections accounts_receivable bookings_tcv bookings_acv"
        " bookings_tcv_new bookings_tcv_renewal bookings_tcv_expansion"
        " open_pipeline_value target_amount_usd sales_velocity backlog forecast_commit"
        " pipeline_forecast marketing_spend_usd cac margin_revenue_usd margin_cost_usd"
        " gross_margin",
    ),
    # sales
    "acquisition_monthly": _spec("month channel", "marketing_spend_usd cac"),
    "bookings_by_type_monthly": _spec("month quote_type", "bookings_tcv bookings_acv"),
    "lead_funnel_monthly": _spec("month source_channel"),
    "sales_rep_monthly": _spec(
        "owner_rep_id month", "bookings_tcv target_amount_usd forecast_commit"
    ),
}


@dataclass(frozen=True)
class MartDiff:
    """The differences between two versions of one mart (empty when equal)."""

    mart: str
    labels: tuple[str, str]
    row_counts: tuple[int, int]
    differences: tuple[str, ...]
    limit: int = 5

    @property
    def equal(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        left, right = self.labels
        head = f"{self.mart}: {left} {self.row_counts[0]} rows, {right} {self.row_counts[1]} rows"
        if self.equal:
            return f"{head}: equal"
        shown = self.differences[: self.limit]
        more = len(self.differences) - len(shown)
        lines = [f"{head}: {len(self.differences)} differences"]
        lines += [f"  {difference}" for difference in shown]
        if more:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


def rows_of(table: Any) -> list[dict[str, Any]]:
    """Rows as dicts from a pyarrow Table (anything with to_pylist) or an
    iterable of mappings."""
    if hasattr(table, "to_pylist"):
        return table.to_pylist()
    return [dict(row) for row in table]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _is_fraction(value: Any) -> bool:
    return isinstance(value, float) or (isinstance(value, Decimal) and value != value.to_integral())


def values_equal(left: Any, right: Any, *, money: bool = False) -> bool:
    """Whether two cell values are equal under the rules of this module."""
    if left is None or right is None:
        return left is None and right is None
    if _is_number(left) and _is_number(right):
        if isinstance(left, float) and math.isnan(left):
            return isinstance(right, float) and math.isnan(right)
        if money:
            return abs(Decimal(str(left)) - Decimal(str(right))) < Decimal(str(MONEY_TOLERANCE))
        if _is_fraction(left) or _is_fraction(right):
            a, b = float(left), float(right)
            return abs(a - b) <= RATE_TOLERANCE * max(1.0, abs(a), abs(b))
        return Decimal(str(left)) == Decimal(str(right))
    if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        return _utc_naive(left) == _utc_naive(right)
    return type(left) is type(right) and left == right


def _utc_naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return repr(value) if isinstance(value, str) else str(value)


def _key_text(columns: Sequence[str], key: tuple[Any, ...]) -> str:
    return ", ".join(f"{column}={_show(value)}" for column, value in zip(columns, key, strict=True))


def _key_value(value: Any) -> Any:
    """A hashable key value that is the same for 3, 3.0 and Decimal('3'), and for
    a timestamp with and without UTC."""
    if _is_number(value):
        return Decimal(str(value)).normalize()
    if isinstance(value, dt.datetime):
        return _utc_naive(value)
    return value


def _row_text(row: Row, skip: Iterable[str]) -> str:
    skipped = set(skip)
    return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in row.items() if k not in skipped) + "}"


def _cell_differences(
    left: Row, right: Row, columns: Sequence[str], spec: MartSpec, labels: tuple[str, str]
) -> list[str]:
    differences = []
    for column in columns:
        a, b = left.get(column), right.get(column)
        if not values_equal(a, b, money=column in spec.money):
            differences.append(f"{column} {_show(a)} ({labels[0]}) != {_show(b)} ({labels[1]})")
    return differences


def compare_mart(
    mart: str,
    left: Any,
    right: Any,
    *,
    spec: MartSpec | None = None,
    labels: tuple[str, str] = ("duckdb", "other"),
    limit: int = 5,
) -> MartDiff:
    """Compare two versions of `mart` (pyarrow Tables or rows); `spec` defaults to
    MARTS[mart]."""
    spec = spec or MARTS[mart]
    left_rows, right_rows = rows_of(left), rows_of(right)
    differences: list[str] = []

    left_columns = list(left_rows[0]) if left_rows else []
    right_columns = list(right_rows[0]) if right_rows else []
    if left_rows and right_rows and set(left_columns) != set(right_columns):
        only_left = sorted(set(left_columns) - set(right_columns))
        only_right = sorted(set(right_columns) - set(left_columns))
        differences.append(
            f"columns differ: only in {labels[0]} {only_left}, only in {labels[1]} {only_right}"
        )
    columns = [c for c in left_columns if c in set(right_columns)] or right_columns
    missing_key = [c for c in spec.key if c not in set(left_columns) | set(right_columns)]
    if (left_rows or right_rows) and missing_key:
        raise KeyError(f"{mart}: key columns {missing_key} are not columns of the mart")

    def grouped(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            groups[tuple(_key_value(row.get(c)) for c in spec.key)].append(row)
        return groups

    left_groups, right_groups = grouped(left_rows), grouped(right_rows)
    keys = list(left_groups) + [k for k in right_groups if k not in left_groups]
    value_columns = [c for c in columns if c not in spec.key and c not in spec.ignored]
    for key in keys:
        ours, theirs = left_groups.get(key, []), right_groups.get(key, [])
        where = _key_text(spec.key, tuple((ours or theirs)[0].get(c) for c in spec.key))
        if len(ours) != len(theirs):
            hidden = (*spec.key, *spec.ignored)
            if not theirs:
                detail = f"only in {labels[0]}: {_row_text(ours[0], hidden)}"
            elif not ours:
                detail = f"only in {labels[1]}: {_row_text(theirs[0], hidden)}"
            else:
                detail = f"{len(ours)} rows in {labels[0]}, {len(theirs)} rows in {labels[1]}"
            differences.append(f"({where}) {detail}")
            continue
        unmatched = list(theirs)
        for row in ours:
            match = next(
                (
                    other
                    for other in unmatched
                    if not _cell_differences(row, other, value_columns, spec, labels)
                ),
                None,
            )
            if match is not None:
                unmatched.remove(match)
                continue
            cells = _cell_differences(row, unmatched[0], value_columns, spec, labels)
            unmatched.pop(0)
            differences.append(f"({where}) " + "; ".join(cells))
    return MartDiff(
        mart=mart,
        labels=labels,
        row_counts=(len(left_rows), len(right_rows)),
        differences=tuple(differences),
        limit=limit,
    )


def assert_marts_equal(mart: str, left: Any, right: Any, **kwargs: Any) -> None:
    """compare_mart, raising AssertionError with the first differing rows."""
    diff = compare_mart(mart, left, right, **kwargs)
    if not diff.equal:
        raise AssertionError(str(diff))
