"""A quiet console logger: a line when a phase of the run begins, then one line per step
(done with its time, failed, or stopped by a signal).

The phases, in the order the pipeline runs them (validate twice: the raw checks
before dbt, the staging and mart checks after it):

    ingest / validate / dbt / validate / publish

Each phase line is printed when the phase's first step starts; tools that watch
a run (the crash tests in tests/reliability) read them.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

# Dagster puts the structured event of a log record in this attribute (the
# `dagster_event` field of its JSON console logger's output).
EVENT_ATTRIBUTE = "dagster_event"
# A step's phase, by the start of its key; a step matching none (the churn model's
# evaluation check) belongs to the phase it runs in.
PHASE_OF_STEP = (
    ("raw__", "ingest"),
    ("gx_", "validate"),
    ("revops_dbt_models", "dbt"),
    ("serving__", "publish"),
)
_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}


class StepProgressHandler(logging.Handler):
    def __init__(self, stream=None) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.started: dict[str, float] = {}
        self.phase = ""

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, EVENT_ATTRIBUTE, None)
        if not isinstance(event, dg.DagsterEvent) or event.event_type not in _EVENTS:
            return
        line = self._line(event, event.step_key or "?")
        if line:
            print(line, file=self.stream, flush=True)

    def _line(self, event: dg.DagsterEvent, step: str) -> str | None:
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            self.started[step] = time.monotonic()
            phase = next((p for prefix, p in PHASE_OF_STEP if step.startswith(prefix)), None)
            if phase is None or phase == self.phase:
                return None
            self.phase = phase
            return phase
        if kind == dg.DagsterEventType.STEP_SUCCESS:
            return f"  ok {step} ({self._elapsed(step)})"
        if kind == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error if event.step_failure_data else None
            if error is not None and error.cls_name == dg.DagsterExecutionInterruptedError.__name__:
                return f"  stopped {step} ({self._elapsed(step)})"
            reason = error.message.strip().splitlines()[0] if error else ""
            return f"  FAILED {step} ({self._elapsed(step)}): {reason}"
        evaluation = event.asset_check_evaluation_data
        if evaluation.passed:
            return None
        return f"  check failed: {evaluation.asset_key.to_user_string()} {evaluation.check_name}"

    def _elapsed(self, step: str) -> str:
        started = self.started.pop(step, None)
        return f"{time.monotonic() - started:.1f}s" if started else "-"


@dg.logger(description="One line per step with its time; used by `revops run`.")
def step_progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("revops.progress")
    logger.setLevel(logging.DEBUG)
    logger.handlers = [StepProgressHandler()]
    logger.propagate = False
    return logger
