"""The churn model's step through the EngineClient on a real DuckDB file: what it reads,
the tables it writes (columns and types), and that two runs write the same rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from foundation.engines import open_engine
from foundation.settings import Settings
from ml import churn
from ml.churn_step import ChurnStepError, run_churn_model, score_warehouse
from tests.ml.company import features

# The types the dbt Python models left in DuckDB (dbt-duckdb stored pandas' datetime64
# as TIMESTAMP and the label as DOUBLE); account_360 and model_evaluation read these.
SCORES_TYPES = [
    ("account_id", "VARCHAR"),
    ("month", "TIMESTAMP"),
    ("split", "VARCHAR"),
    ("churned_within_3_months", "DOUBLE"),
    ("churn_risk", "DOUBLE"),
    ("model_status", "VARCHAR"),
]
EVALUATION_TYPES = [
    ("model_status", "VARCHAR"),
    ("as_of_month", "TIMESTAMP"),
    ("train_start_month", "TIMESTAMP"),
    ("train_end_month", "TIMESTAMP"),
    ("test_start_month", "TIMESTAMP"),
    ("test_end_month", "TIMESTAMP"),
    ("train_rows", "BIGINT"),
    ("train_accounts", "BIGINT"),
    ("test_rows", "BIGINT"),
    ("test_accounts", "BIGINT"),
    ("test_churned_rows", "BIGINT"),
    ("base_rate", "DOUBLE"),
    ("auc", "DOUBLE"),
    ("scored_accounts", "BIGINT"),
]


def write_features(warehouse: Path, frame: pd.DataFrame, shuffle_seed: int) -> None:
    """The features and the spine as dbt leaves them in DuckDB: month a DATE, counts
    HUGEINT (a sum of integers), one column the model does not read; rows stored in a
    shuffled order."""
    shuffled = frame.sample(frac=1, random_state=shuffle_seed).assign(mrr_1m_ago=1.0)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists intermediate")
        con.register("frame", shuffled)
        con.execute(
            "create or replace table intermediate.int_account_features_monthly as "
            "select * replace (cast(month as date) as month, "
            "cast(past_due_invoices as hugeint) as past_due_invoices, "
            "cast(activities_3m as hugeint) as activities_3m) from frame"
        )
        con.execute(
            "create or replace table intermediate.int_metric_months_spined as "
            "select distinct cast(month as date) as month from frame"
        )


def table_types(warehouse: Path, table: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'ml' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def company() -> pd.DataFrame:
    # 150 accounts x 24 months from 2023-01: outcomes known through 2024-09 (month + 3 <=
    # 2024-12); test 2024-04..2024-09 (6 x 150 = 900 rows); train 2023-01..2024-01 (13 x
    # 150 = 1,950: 2024-02 and 2024-03 label months inside the test window); current
    # 2024-12 (150)
    return features(accounts=150, months=24)


def test_the_step_writes_the_tables_with_their_types(tmp_path, company):
    warehouse = tmp_path / "w.duckdb"
    write_features(warehouse, company, shuffle_seed=1)
    done = score_warehouse(Settings(landing=tmp_path, warehouse=warehouse))
    assert done.rows_by_split == {"train": 1950, "test": 900, "current": 150}
    assert table_types(warehouse, "churn_risk_scored") == SCORES_TYPES
    assert table_types(warehouse, "churn_model_evaluated") == EVALUATION_TYPES
    (evaluation,) = rows(
        warehouse,
        "select model_status, cast(as_of_month as date), cast(test_start_month as date), "
        "cast(train_end_month as date), test_rows, scored_accounts, auc > 0.9 "
        "from ml.churn_model_evaluated",
    )
    assert [str(value) for value in evaluation] == [
        "trained",
        "2024-12-01",  # the spine's last month
        "2024-04-01",
        "2024-01-01",
        "900",
        "150",
        "True",
    ]
    assert done.evaluation["test_rows"] == 900 and done.evaluation["model_status"] == "trained"
    # train rows carry no score; test and current rows of a trained model all do
    assert rows(
        warehouse,
        "select split, count(churn_risk), count(churned_within_3_months) "
        "from ml.churn_risk_scored group by split order by split",
    ) == [("current", 150, 0), ("test", 900, 900), ("train", 0, 1950)]


def test_the_step_writes_what_the_model_computes(tmp_path, company):
    # reading through the engine and writing Arrow change no value
    warehouse = tmp_path / "w.duckdb"
    write_features(warehouse, company, shuffle_seed=2)
    with open_engine(Settings(landing=tmp_path, warehouse=warehouse)) as client:
        run_churn_model(client)
    expected = churn.score(churn.split_rows(company))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        written = con.execute("select * from ml.churn_risk_scored order by month, account_id").df()
    pd.testing.assert_frame_equal(
        written.astype(churn.SCORES_COLUMNS), expected, check_index_type=False
    )


def test_two_runs_write_identical_rows(tmp_path, company):
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    # the same features stored in two different row orders
    write_features(first, company, shuffle_seed=3)
    write_features(second, company, shuffle_seed=4)
    for warehouse in (first, second):
        score_warehouse(Settings(landing=tmp_path, warehouse=warehouse))
    for table in ("churn_risk_scored", "churn_model_evaluated"):
        # every row of each in the other, both ways (identical doubles, nulls alike)
        with duckdb.connect(str(first)) as con:
            con.execute(f"attach '{second}' as second (read_only)")
            only = con.execute(
                f"select count(*) from ((select * from ml.{table} except all "
                f"select * from second.ml.{table}) union all (select * from "
                f"second.ml.{table} except all select * from ml.{table}))"
            ).fetchone()[0]
            total = con.execute(f"select count(*) from ml.{table}").fetchone()[0]
        assert (table, only) == (table, 0)
        assert total > 0


def test_a_warehouse_without_features_fails_in_one_line(tmp_path):
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(ChurnStepError) as raised:
        score_warehouse(Settings(landing=tmp_path, warehouse=warehouse))
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("cannot read intermediate.int_account_features_monthly on duckdb")
    assert rows(
        warehouse, "select count(*) from information_schema.schemata where schema_name = 'ml'"
    ) == [(0,)]


def test_features_without_a_column_fail_in_one_line_naming_it(tmp_path, company):
    warehouse = tmp_path / "w.duckdb"
    write_features(warehouse, company.drop(columns=["seat_utilization"]), shuffle_seed=5)
    with pytest.raises(ChurnStepError) as raised:
        score_warehouse(Settings(landing=tmp_path, warehouse=warehouse))
    assert str(raised.value).startswith(
        "cannot read intermediate.int_account_features_monthly on duckdb"
    )
    assert "seat_utilization" in str(raised.value) and "\n" not in str(raised.value)
