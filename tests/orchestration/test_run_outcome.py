"""What `run_job` tells its caller about a run that succeeded: each step's time (the
benchmark's pipeline_dbt stage sums the dbt steps' times from it)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from foundation.settings import Settings
from orchestration.run import run_job


def test_a_successful_run_reports_how_long_each_of_its_steps_took(
    tmp_path: Path, small_company: Path, defs: dg.Definitions
):
    outcome = run_job(
        Settings(landing=small_company, warehouse=tmp_path / "w.duckdb"), job_name="ingest_only"
    )

    assert outcome.success, outcome.reason
    steps = {node.name for node in defs.resolve_job_def("ingest_only").graph.nodes}
    assert set(outcome.step_seconds) == steps
    assert all(seconds > 0 for seconds in outcome.step_seconds.values()), outcome.step_seconds
