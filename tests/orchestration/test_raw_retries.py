"""A raw asset tries again after an error, then fails naming it. (That a stop signal
during the step stops the run, not another try: the chain of killed runs in
tests/reliability/test_crash.py, which starts with a SIGTERM in ingest.)"""

from __future__ import annotations

from pathlib import Path

from orchestration.defs.ingestion import assets
from tests.orchestration.raw_steps import events, materialize_raw


def test_an_error_is_tried_again_three_times_then_fails_the_step_naming_it(
    tmp_path: Path, small_company: Path, monkeypatch
):
    monkeypatch.setattr(assets, "FIRST_RETRY_SECONDS", 0)  # the waits, not the tries
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")  # the warehouse's folder is a file: every try fails

    result = materialize_raw(["accounts"], small_company, not_a_folder / "w.duckdb")

    assert not result.success
    assert len(events(result, "STEP_RESTARTED")) == assets.MAX_RETRIES
    [failure] = events(result, "STEP_FAILURE")
    error = failure.step_failure_data.error
    assert error.message.startswith(f"Exceeded max_retries of {assets.MAX_RETRIES}")
    assert "not-a-folder" in error.cause.message, error.cause.message
