"""A quiet console logger: one line per step (start, done with its time, failure)."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

# Dagster puts the structured event of a log record in this attribute (the
# `dagster_event` field of its JSON console logger's output).
EVENT_ATTRIBUTE = "dagster_event"
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
            return None
        if kind == dg.DagsterEventType.STEP_SUCCESS:
            return f"  ok {step} ({self._elapsed(step)})"
        if kind == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error if event.step_failure_data else None
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
