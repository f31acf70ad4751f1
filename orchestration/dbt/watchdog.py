"""dbt ends with the run that started it.

dbt runs as a child process of the run. When the run's process is killed
outright (SIGKILL, the kernel's out-of-memory killer: none of its code runs any
more), its dbt child would go on building the warehouse for a minute on its own,
holding DuckDB's write lock against the next run and writing models that run
never saw. A small watchdog process, started beside each dbt process, kills dbt
as soon as the parent is gone; when dbt ends first, the watchdog ends too.

    python -m orchestration.dbt.watchdog <parent pid> <dbt pid>

Linux only (process file descriptors, Linux 5.3+); elsewhere the watchdog is
not started.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from foundation.settings import PROJECT_ROOT

AVAILABLE = hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")


def watch(parent: int, child: int) -> None:
    """Block until `parent` or `child` exits; when the parent goes first, kill the child."""
    try:
        child_fd = os.pidfd_open(child)
    except ProcessLookupError:
        return  # dbt already ended
    try:
        parent_fd = os.pidfd_open(parent)
    except ProcessLookupError:
        parent_fd = None  # the run died before the watchdog started
    if parent_fd is not None:
        poller = select.poll()
        poller.register(parent_fd, select.POLLIN)
        poller.register(child_fd, select.POLLIN)
        ready = {fd for fd, _ in poller.poll()}
        if child_fd in ready:
            return
    with suppress(ProcessLookupError):
        signal.pidfd_send_signal(child_fd, signal.SIGKILL)


@contextmanager
def ends_with_this_process(child: subprocess.Popen) -> Iterator[None]:
    """While inside, a watchdog kills `child` if this process dies; leaving with an
    exception (a stop signal, an error) kills `child` too, if it still runs."""
    watchdog = None
    if AVAILABLE:
        watchdog = subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid()), str(child.pid)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield
    except BaseException:
        if child.poll() is None:
            child.kill()
            child.wait()
        raise
    finally:
        if watchdog is not None:
            watchdog.kill()
            watchdog.wait()


if __name__ == "__main__":
    watch(int(sys.argv[1]), int(sys.argv[2]))
