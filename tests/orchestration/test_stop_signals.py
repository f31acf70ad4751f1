"""A stop signal whose interruption DuckDB swallowed still stops the run: the step
that was running does not try again, and no step starts after it
(orchestration/stop_signals.py)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingestion import assets
from orchestration.stop_signals import listening, stop_heard
from tests.orchestration.raw_steps import events, materialize_raw


class _Stop(BaseException):
    pass


def _raise_stop(_signum, _frame) -> None:
    raise _Stop()


def test_duckdb_swallows_what_a_signal_handler_raises_during_a_query():
    """Why the rest of this file exists: the exception a handler raises while the main
    thread is in a query does not reach the caller (DuckDB raises its own error in its
    place, or none when the query ends anyway). If this fails, DuckDB lets it through."""
    previous = signal.signal(signal.SIGALRM, _raise_stop)
    con = duckdb.connect()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Exception) as raised:
            con.execute("select sum(hash(i)) from range(20000000000) as t(i)").fetchall()
        assert not isinstance(raised.value, _Stop)
        assert "interrupted" in str(raised.value).lower(), raised.value
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        con.close()


def _lose_a_stop_signal() -> None:
    """A SIGTERM whose handler raises nothing, as when DuckDB swallowed the interruption."""
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler runs in this thread at the next instruction
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.step_key
        for event in events(result, "STEP_FAILURE")
        if event.step_failure_data.error.cls_name == "DagsterExecutionInterruptedError"
    ]


def test_no_step_starts_after_a_stop_signal_whose_interruption_was_lost(
    small_company: Path, tmp_path: Path
):
    with listening():
        _lose_a_stop_signal()
        assert stop_heard() == "SIGTERM"
        result = materialize_raw(["accounts", "products"], small_company, tmp_path / "w.duckdb")

    assert not result.success
    assert len(events(result, "STEP_START")) == 1  # the first step stops, the run ends
    assert _interrupted(result) == [events(result, "STEP_START")[0].step_key]
    assert events(result, "ASSET_MATERIALIZATION") == []
    assert stop_heard() == ""  # outside `listening()` nothing is heard


def test_an_error_in_place_of_the_interruption_is_not_tried_again(
    small_company: Path, tmp_path: Path, monkeypatch
):
    def interrupted_query(*_args, **_kwargs):
        _lose_a_stop_signal()
        raise RuntimeError("Query interrupted")  # what DuckDB raises in its place

    monkeypatch.setattr(assets, "load_entity", interrupted_query)
    monkeypatch.setattr(assets, "FIRST_RETRY_SECONDS", 0)
    with listening():
        result = materialize_raw(["accounts"], small_company, tmp_path / "w.duckdb")

    assert events(result, "STEP_RESTARTED") == []
    assert _interrupted(result) == ["raw__accounts"]
