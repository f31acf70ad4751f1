"""Stop signals (SIGTERM, SIGINT) during an in-process run: noted when they arrive,
acted on by Dagster at once and by the steps at their safe points.

Outside the Dagster run (start-up), a stop signal raises `RunStopped`. During it
Dagster's own handler raises an interruption in the running step. DuckDB's Python
client can get in the way: a signal that arrives while the main thread is inside a
query runs that handler from DuckDB's own check for signals, and DuckDB replaces the
interruption with a RuntimeError ("Query interrupted"), or loses it when the query
ends anyway. A step that tries again after an error would then start over, and a run
whose interruption was lost would go on to the end.

So every stop signal is also noted: Python writes the number of each signal it
handles into a wakeup file descriptor, whatever the handler. `stop_heard()` reads
it, and the steps ask `raise_if_stopped()` at their start and before another try.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import dagster as dg

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunStopped(BaseException):  # like KeyboardInterrupt: not an error of the run's code
    """A stop signal arrived outside the Dagster run (before its first step)."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def _nothing_heard() -> str:
    return ""


_heard: Callable[[], str] = _nothing_heard


def stop_heard() -> str:
    """The first stop signal received in this process's current run ("" if none, or
    outside `listening()`: a run that `dagster dev` launched stops its own way)."""
    return _heard()


def raise_if_stopped() -> None:
    """Interrupt the step if a stop signal arrived, as Dagster would have (its
    interruption may have been lost in a DuckDB query): the run ends at this step."""
    if stop_heard():
        raise dg.DagsterExecutionInterruptedError()


@contextmanager
def listening() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT stop the run, and `stop_heard()` names the first
    of them received. Only in the main thread (signal handlers belong to it); elsewhere
    nothing is heard."""
    global _heard
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    received: list[str] = []

    def heard() -> str:
        try:
            data = reader.recv(256)
        except BlockingIOError:
            data = b""
        received.extend(signal.Signals(n).name for n in data if n in STOP_SIGNALS)
        return received[0] if received else ""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise RunStopped(signal.Signals(signum).name)

    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    _heard = heard
    try:
        yield
    finally:
        _heard = _nothing_heard
        for number, handler in previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_fd)
        reader.close()
        writer.close()
