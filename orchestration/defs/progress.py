"""A quiet console logger: one line per step (start, done with its time, failure)."""

import logging
import sys
import time

import dagster as dg
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR

_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION"}


class StepProgressHandler(logging.Handler):
    def __init__(self, stream=None) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}
        event = meta.get("dagster_event")
        if event is None or event.event_type_value not in _EVENTS:
            return
        step = meta.get("step_key") or "?"
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            return
        elif kind == "STEP_SUCCESS":
            line = f"  ok {step} ({self._elapsed(step)})"
        elif kind == "STEP_FAILURE":
            error = event.step_failure_data.error if event.step_failure_data else None
            reason = error.message.strip().splitlines()[0] if error else ""
            line = f"  FAILED {step} ({self._elapsed(step)}): {reason}"
        else:
            data = event.event_specific_data
            if getattr(data, "passed", True):
                return
            line = f"  check failed: {data.asset_key.to_user_string()} {data.check_name}"
        print(line, file=self.stream, flush=True)

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
