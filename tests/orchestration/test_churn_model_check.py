"""The churn model's check: the latest evaluation row of the warehouse as metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from foundation.settings import Settings
from orchestration.defs.quality.churn_model import (
    evaluation_description,
    evaluation_metadata,
    latest_evaluation,
)


def _warehouse(tmp_path: Path) -> Settings:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create schema marts; create table marts.model_evaluation as "
        "select * from (values "
        "('run-1', 'trained', 0.81::double, 0.05::double, 400, 1990, date '2025-11-01', "
        "timestamp '2025-12-01 06:00'), "
        "('run-2', 'trained', 0.83::double, 0.04::double, 410, 2000, date '2025-12-01', "
        "timestamp '2026-01-01 06:00')"
        ") as t(invocation_id, model_status, auc, base_rate, test_accounts, test_rows, "
        "as_of_month, trained_at)"
    )
    con.close()
    return Settings(landing=tmp_path, warehouse=path)


def test_the_latest_row_becomes_numbers_and_text(tmp_path: Path) -> None:
    row = latest_evaluation(_warehouse(tmp_path))
    assert row["invocation_id"] == "run-2"
    metadata = evaluation_metadata(row)
    assert metadata["auc"] == 0.83 and metadata["test_accounts"] == 410
    assert metadata["as_of_month"] == "2025-12-01"
    assert evaluation_description(row) == (
        "churn model AUC 0.830 (goal 0.75) on 410 accounts, 2000 account-months, base rate 0.040"
    )


def test_no_model_no_auc(tmp_path: Path) -> None:
    row = {"model_status": "too_few_known_outcomes", "auc": None, "base_rate": None}
    assert evaluation_description(row) == "churn model: too_few_known_outcomes, no AUC"
    assert evaluation_metadata(row)["auc"] == dg.MetadataValue.null()
