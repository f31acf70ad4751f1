"""Running the real pipeline (the Dagster job, in-process) from tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from foundation.settings import Settings
from orchestration.run import RunOutcome, run_job


def run_pipeline(
    landing: Path,
    warehouse: Path,
    as_of: str | None = None,
    full_refresh: bool = False,
    job_name: str = "revops_pipeline",
) -> RunOutcome:
    """Ingest -> dbt build -> validate -> publish into `warehouse`; raises when it fails."""
    outcome = run_pipeline_outcome(landing, warehouse, as_of, full_refresh, job_name)
    if not outcome.success:
        raise AssertionError(f"pipeline run {outcome.run_id} failed: {outcome.reason}")
    return outcome


def run_pipeline_outcome(
    landing: Path,
    warehouse: Path,
    as_of: str | None = None,
    full_refresh: bool = False,
    job_name: str = "revops_pipeline",
) -> RunOutcome:
    """Same as run_pipeline, returning the outcome of a failed run instead of raising."""
    settings = Settings(landing=Path(landing), warehouse=Path(warehouse))
    return run_job(
        settings,
        job_name=job_name,
        as_of=date.fromisoformat(as_of) if as_of else None,
        full_refresh=full_refresh,
    )
