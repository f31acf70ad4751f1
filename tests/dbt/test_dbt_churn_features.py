"""The churn model's features do not leak: shifting the future leaves the past alone.

A generated company is loaded once; a copy of its warehouse has everything after the
end of month M cut from raw (every row version updated after it, every row whose event
happened after it: accounts and quotes created, invoices issued, payments received,
activities, responses, usage months, rates; and the lines of the invoices and quotes
that went), as if the warehouse had been built at the end of M. Both are built by dbt
up to int_account_features_monthly. Every feature of every account and month <= M is
the same in both; only the label and the outcome flags look ahead.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from foundation.contract import ENTITIES
from foundation.settings import Settings
from tests.dbt_runs import run_dbt
from tests.metrics.helpers import dbt_around_churn_model, query

CUT_MONTH = date(2024, 9, 1)
CUT_AT = "2024-10-01 00:00:00+00"  # the first instant after month_end(M)
# Raw columns whose value after CUT_AT means the row (version) did not exist at M's end.
HAPPENED_AT = (
    "updated_at",
    "created_at",
    "issued_at",
    "received_at",
    "occurred_at",
    "responded_at",
    "submitted_at",
)
HAPPENED_ON = ("rate_date",)  # dates: after month_end(M)
USAGE_MONTH_ENTITIES = ("product_usage", "marketing_spend")  # month > M
CHILDREN = (("invoice_lines", "invoice_id", "invoices"), ("quote_lines", "quote_id", "quotes"))
LOOKING_AHEAD = {"churned_within_3_months", "is_outcome_known", "is_as_of_month"}
FEATURES = "intermediate.int_account_features_monthly"


def cut_raw_after(warehouse: Path, cut_at: str, cut_month: date) -> int:
    """Delete from raw what happened after `cut_at`; returns the rows deleted."""
    con = duckdb.connect(str(warehouse))
    deleted = 0
    try:
        con.execute("set TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        for table in tables:
            columns = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ?",
                    [table],
                ).fetchall()
            }
            conditions = [
                f"{column} > timestamptz '{cut_at}'" for column in HAPPENED_AT if column in columns
            ]
            conditions += [
                f"{column} >= date '{cut_at[:10]}'" for column in HAPPENED_ON if column in columns
            ]
            if table in USAGE_MONTH_ENTITIES:
                conditions.append(f"month > date '{cut_month.isoformat()}'")
            if conditions:
                deleted += con.execute(
                    f"delete from raw.{table} where {' or '.join(conditions)}"
                ).fetchone()[0]
        for child, key, parent in CHILDREN:
            deleted += con.execute(
                f"delete from raw.{child} where {key} not in (select {key} from raw.{parent})"
            ).fetchone()[0]
    finally:
        con.close()
    return deleted


def run(args: list[str], warehouse: Path, target: Path) -> None:
    done = run_dbt(args, warehouse, target)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def feature_rows(warehouse: Path, through: date) -> tuple[list[str], list[tuple]]:
    columns = [
        row[0]
        for row in query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'intermediate' "
            "and table_name = 'int_account_features_monthly' order by ordinal_position",
        )
    ]
    kept = [column for column in columns if column not in LOOKING_AHEAD]
    # compared to the last digit: no sum depends on the order of its rows (exact_sum)
    rows = query(
        warehouse,
        f"select {', '.join(kept)} from {FEATURES} "
        f"where month <= date '{through.isoformat()}' order by account_id, month",
    )
    return kept, rows


@pytest.fixture(scope="module")
def full_and_cut(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    from generator import generate
    from ingestion.loader import load_landing

    tmp = tmp_path_factory.mktemp("churn_features")
    landing = tmp / "landing"
    full, cut = tmp / "full" / "warehouse.duckdb", tmp / "cut" / "warehouse.duckdb"
    full.parent.mkdir()
    cut.parent.mkdir()
    generate(landing, accounts=120, start="2023-01", months=24, seed=11, bad_rows=0,
             progress=False)  # fmt: skip
    load_landing(Settings(landing, full))
    shutil.copy(full, cut)
    deleted = cut_raw_after(cut, CUT_AT, CUT_MONTH)
    # the full warehouse goes on to the churn model (its step between the dbt builds; in
    # dbt's graph the features lead nowhere, so they are selected too) and the account
    # 360, with their data tests (the unit tests run in every dbt build of the project)
    dbt_around_churn_model(
        "build",
        full,
        tmp / "target_full",
        select=("+int_account_features_monthly", "+account_360", "+model_evaluation"),
        exclude=("test_type:unit",),
        args=("--indirect-selection", "cautious"),
    )
    run(["run", "--select", "+int_account_features_monthly"], cut, tmp / "target_cut")
    return full, cut, deleted


def test_features_up_to_the_cut_month_ignore_everything_after_it(full_and_cut):
    full, cut, deleted = full_and_cut
    assert deleted > 0, "nothing happened after the cut month: the test would prove nothing"
    columns, full_rows = feature_rows(full, CUT_MONTH)
    _, cut_rows = feature_rows(cut, CUT_MONTH)
    assert len(full_rows) > 100, "too few account-months to prove anything"
    later = query(cut, f"select count(*) from {FEATURES} where month > date '{CUT_MONTH}'")
    assert later == [(0,)], "the cut warehouse still has months after the cut"
    keys = columns.index("account_id"), columns.index("month")
    assert [(row[keys[0]], row[keys[1]]) for row in full_rows] == [
        (row[keys[0]], row[keys[1]]) for row in cut_rows
    ]
    different = [
        (
            full_row[keys[0]],
            full_row[keys[1]],
            {
                column: (full_value, cut_value)
                for column, full_value, cut_value in zip(columns, full_row, cut_row, strict=True)
                if full_value != cut_value
            },
        )
        for full_row, cut_row in zip(full_rows, cut_rows, strict=True)
        if full_row != cut_row
    ]
    assert different == []


def test_the_future_did_change_the_labels(full_and_cut):
    # the comparison above is not vacuous: the full build knows outcomes the cut does not
    full, cut, _ = full_and_cut
    known = f"select count(*) from {FEATURES} where is_outcome_known and month <= '{CUT_MONTH}'"
    assert query(full, known)[0][0] > query(cut, known)[0][0]


def test_account_360_has_every_current_account_and_no_personal_data(full_and_cut):
    full, _, _ = full_and_cut
    columns = {
        row[0]
        for row in query(
            full,
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'account_360'",
        )
    }
    sensitive = {c.staged_as for e in ENTITIES for c in e.columns if c.sensitive}
    assert sensitive >= {"email", "comment"}
    assert columns & sensitive == set()
    assert query(full, "select count(*) from marts.account_360") == query(
        full, "select count(*) from staging.stg_accounts"
    )


def test_each_build_appends_its_evaluation(full_and_cut):
    full, _, _ = full_and_cut
    (row,) = query(
        full,
        "select model_status, test_rows, as_of_month, auc is null from marts.model_evaluation",
    )
    scored_test_rows = query(
        full,
        "select count(*) from ml.churn_risk_scored where split = 'test'",
    )[0][0]
    assert row[0] in ("trained", "trained_test_has_one_class", "too_few_known_outcomes")
    assert row[1] == scored_test_rows
    assert row[2] == date(2024, 12, 1)
    assert row[3] == (row[0] != "trained")


def test_a_later_run_appends_a_row_and_keeps_the_earlier(full_and_cut, tmp_path):
    full, _, _ = full_and_cut
    before = query(full, "select invocation_id from marts.model_evaluation")
    run(["run", "--select", "model_evaluation", "--full-refresh"], full, tmp_path / "target")
    after = query(full, "select invocation_id from marts.model_evaluation")
    assert len(after) == len(before) + 1 and set(before) < set(after)
