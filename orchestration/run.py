"""Running a job in-process: what `revops run` and the tests call.

One code path: the same Definitions and job that `dagster dev` shows, executed
in this process, with a lock so that two runs never write one warehouse.

SIGTERM (what `kill`, systemd and Kubernetes send) and SIGINT (Ctrl-C) stop a
run cleanly: before the Dagster run starts, at once; during it, Dagster raises
an interruption in the running step (dbt gets SIGINT and stops its build), or
the step does at its next safe point when a DuckDB query swallowed it
(orchestration/stop_signals.py), and the run ends there. Every write is a
transaction or a file renamed into place, so what a stopped run leaves is whole:
files loaded or not, models built or not, and the published version the previous
one unless the step that swaps it in had finished. The lock is released on the
way out. The outcome names the signal and the step it stopped.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dagster as dg

from foundation.settings import Settings
from orchestration.dbt.project import prepare_manifest
from orchestration.defs.resources import WarehouseResource
from orchestration.stop_signals import RunStopped, listening, stop_heard
from serving.publish import current_version

# The dbt steps (orchestration/defs/transform): both take the same run config.
DBT_STEPS = ("revops_dbt_models", "revops_dbt_after_ml")
# How Dagster prefixes the description of a `dg.Failure` a step raised (already one line).
_FAILURE_PREFIX = f"{dg.Failure.__module__}.{dg.Failure.__qualname__}: "


class RunLockedError(RuntimeError):
    """Another run holds the warehouse."""


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    reason: str = ""
    stopped_by: str = ""  # the signal that stopped the run (SIGTERM, SIGINT), if one did
    step_seconds: dict[str, float] = field(default_factory=dict)  # each step that succeeded


@contextmanager
def warehouse_lock(settings: Settings) -> Iterator[None]:
    """An exclusive lock beside the warehouse; a second run fails at once with who holds it."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = settings.warehouse_dir / f".{settings.warehouse.name}.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLockedError(
                f"another revops run is using {settings.warehouse} ({holder}); "
                "wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _first_failure(result: dg.ExecuteInProcessResult) -> str:
    """One line: the failing checks (with their expectations), else the first failed step."""
    failed_checks = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        data = event.asset_check_evaluation_data
        if not data.passed:
            failed_checks.append(
                data.description or f"{data.asset_key.to_user_string()} {data.check_name}"
            )
    if failed_checks:
        return "checks failed: " + "; ".join(failed_checks)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause  # the user's error, not Dagster's wrapper
            message = error.message.strip().splitlines()[0] if error else "failed"
            return f"step {event.step_key} failed: {message.removeprefix(_FAILURE_PREFIX)}"
    return "the run failed"


def run_job(
    settings: Settings,
    *,
    job_name: str = "revops_pipeline",
    as_of: date | None = None,
    full_refresh: bool = False,
) -> RunOutcome:
    """Execute a job of the Definitions in-process against `settings`' warehouse.

    The settings reach the run as the `warehouse` resource's config; the dbt
    manifest is made (if stale) before the definitions are loaded.
    """
    with warehouse_lock(settings):
        published_before = current_version(settings)
        try:
            with listening():
                prepare_manifest(settings)
                from orchestration.definitions import defs  # reads the manifest made above

                job = defs.resolve_job_def(job_name)
                run_config = run_config_of(job, settings, as_of, full_refresh)
                # dbt's own log lines go to the Dagster event log, not to this terminal.
                with open(os.devnull, "w") as devnull, redirect_stdout(devnull):
                    result = job.execute_in_process(run_config=run_config, raise_on_error=False)
                stopped_by = stop_heard()
        except RunStopped as stop:
            return _stopped("", stop.signal_name, "start-up", published_before, settings)
    if stopped_by and not result.success:
        step = _stopped_step(result)
        return _stopped(result.run_id, stopped_by, step, published_before, settings)
    skipped = _skipped_steps(result)
    if result.success and skipped:
        # Dagster counts a run whose steps were skipped as a success: nothing failed, but
        # what they build (the published version, for one) was not made.
        reason = f"steps skipped, an upstream asset never reported: {', '.join(skipped)}"
        return RunOutcome(False, result.run_id, reason)
    if result.success:
        return RunOutcome(True, result.run_id, step_seconds=_step_seconds(result))
    return RunOutcome(False, result.run_id, _first_failure(result))


def _step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    """How long each step that succeeded took, as Dagster measured it."""
    return {
        event.step_key: event.step_success_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS" and event.step_key
    }


def _skipped_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.step_key
        for event in result.all_events
        if event.event_type_value == "STEP_SKIPPED" and event.step_key
    ]


def _stopped_step(result: dg.ExecuteInProcessResult) -> str:
    """The step a stop signal interrupted, else the last step that started."""
    started = ""
    for event in result.all_events:
        if event.event_type_value == "STEP_START":
            started = event.step_key or started
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data:
            error = event.step_failure_data.error
            if error is not None and error.cls_name == dg.DagsterExecutionInterruptedError.__name__:
                return event.step_key or started
    return started or "start-up"


def _stopped(
    run_id: str, signal_name: str, step: str, published_before: str, settings: Settings
) -> RunOutcome:
    if current_version(settings) != published_before:
        kept = "the new version was published before it stopped"
    elif settings.serving.exists():
        kept = "the previous published version is unchanged"
    else:
        kept = "nothing is published yet"
    reason = f"stopped by {signal_name} during {step}; {kept}"
    return RunOutcome(False, run_id, reason, stopped_by=signal_name)


def run_config_of(
    job: dg.JobDefinition, settings: Settings, as_of: date | None, full_refresh: bool
) -> dict[str, Any]:
    """The run config of `job`: the settings as the warehouse resource's config, and the
    same dbt config (as-of date, full refresh) for each of its dbt steps (DBT_STEPS)."""
    # Dagster's console logger is quiet; the progress logger prints a line a step.
    run_config: dict[str, Any] = {
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}, "progress": {}},
        "resources": {"warehouse": {"config": WarehouseResource.config_of(settings)}},
    }
    dbt_nodes = [node.name for node in job.graph.nodes if node.definition.name in DBT_STEPS]
    if dbt_nodes:
        config = {"as_of": as_of.isoformat() if as_of else "", "full_refresh": full_refresh}
        run_config["ops"] = {name: {"config": config} for name in sorted(dbt_nodes)}
    return run_config
