"""The churn-risk model as a step between two dbt builds, on any engine.

Reads the features dbt built (`intermediate.int_account_features_monthly`) and the
as-of month (`intermediate.int_metric_months_spined`) with plain, portable SQL, fits and
scores (`ml.churn`), and writes `ml.churn_risk_scored` and `ml.churn_model_evaluated`
with explicit Arrow types; dbt reads them back as the sources `ml.*` (account_360,
model_evaluation). All I/O goes through an `EngineClient`: the step never asks which
engine it is on.

Dagster runs it as the asset `ml/churn_risk_scored` + `ml/churn_model_evaluated`
between the dbt models; without Dagster, `revops churn-model` runs it (README, Running
dbt directly).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from foundation.engines import EngineClient, open_engine, sql_type
from foundation.settings import Settings
from ml.churn import (
    EVALUATION_SCHEMA,
    FEATURES,
    INPUT_COLUMNS,
    SCORES_SCHEMA,
    SORT_KEYS,
    FeaturesError,
    evaluate,
    features_frame,
    score,
    split_rows,
    to_arrow,
)

# dbt's schemas are the folders' `+schema` as given (dbt_project/macros/generate_schema_name.sql)
FEATURES_TABLE = ("intermediate", "int_account_features_monthly")
SPINE_TABLE = ("intermediate", "int_metric_months_spined")
ML_SCHEMA = "ml"
SCORES_TABLE = "churn_risk_scored"
EVALUATION_TABLE = "churn_model_evaluated"
AUC_GOAL = 0.75  # the sample company's goal (issue 16); shown, not enforced


class ChurnStepError(RuntimeError):
    """The step could not read its inputs or write its tables (one line, table named)."""


@dataclass(frozen=True)
class ChurnModelRun:
    """What one run wrote: the scored rows by split and the evaluation row."""

    rows_by_split: dict[str, int]
    evaluation: dict[str, Any]  # the row of ml.churn_model_evaluated, as Python values
    seconds: float

    def description(self) -> str:
        """One line: the AUC on the test window, or why there is none."""
        row = self.evaluation
        if row["auc"] is None:
            return f"churn model: {row['model_status']}, no AUC"
        return (
            f"churn model AUC {row['auc']:.3f} (goal {AUC_GOAL}) on {row['test_accounts']} "
            f"accounts, {row['test_rows']} account-months, base rate {row['base_rate']:.3f}"
        )


def features_query(client: EngineClient) -> str:
    """The model's columns of the features, sorted by the model's keys (portable SQL).

    The features are read as doubles, cast by the engine: the model takes floats, and
    a Postgres quotient (numeric of any width) would not fit Arrow's 38-digit decimal.
    """
    double = sql_type(client.name, pa.float64(), "features")
    columns = ", ".join(
        f"cast({client.quote(name)} as {double}) as {client.quote(name)}"
        if name in FEATURES
        else client.quote(name)
        for name in INPUT_COLUMNS
    )
    order = ", ".join(client.quote(name) for name in SORT_KEYS)
    return f"select {columns} from {client.quote(*FEATURES_TABLE)} order by {order}"


def as_of_query(client: EngineClient) -> str:
    """The as-of month of the build: the spine's last month (null on an empty spine)."""
    return f"select max({client.quote('month')}) as as_of_month from {client.quote(*SPINE_TABLE)}"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _fetch(client: EngineClient, sql: str, table: tuple[str, str]) -> pa.Table:
    try:
        return client.fetch_arrow(sql)
    except Exception as error:
        raise ChurnStepError(
            f"cannot read {'.'.join(table)} on {client.name} (dbt builds it: run "
            f"`dbt build --exclude source:ml+` first): {_first_line(error)}"
        ) from error


def _write(client: EngineClient, table: str, data: pa.Table) -> None:
    try:
        client.write_arrow(ML_SCHEMA, table, data)
    except Exception as error:
        raise ChurnStepError(
            f"cannot write {ML_SCHEMA}.{table} on {client.name}: {_first_line(error)}"
        ) from error


def run_churn_model(client: EngineClient) -> ChurnModelRun:
    """Read the features, fit and score, write the two `ml` tables (replacing them)."""
    started = time.monotonic()
    try:
        features = features_frame(_fetch(client, features_query(client), FEATURES_TABLE))
    except FeaturesError as error:
        raise ChurnStepError(f"{'.'.join(FEATURES_TABLE)} on {client.name}: {error}") from None
    as_of = _fetch(client, as_of_query(client), SPINE_TABLE).column(0)[0].as_py()
    scores = score(split_rows(features))
    evaluation = to_arrow(
        evaluate(scores, pd.Timestamp(as_of) if as_of is not None else None), EVALUATION_SCHEMA
    )
    _write(client, SCORES_TABLE, to_arrow(scores, SCORES_SCHEMA))
    _write(client, EVALUATION_TABLE, evaluation)
    return ChurnModelRun(
        rows_by_split={
            split: int((scores["split"] == split).sum()) for split in ("train", "test", "current")
        },
        evaluation=evaluation.to_pylist()[0],
        seconds=time.monotonic() - started,
    )


def score_warehouse(settings: Settings) -> ChurnModelRun:
    """run_churn_model on the engine of `settings`."""
    with open_engine(settings) as client:
        return run_churn_model(client)
