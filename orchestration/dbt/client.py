"""The `dbt` the pipeline's steps start: a thin client of the run's dbt worker.

    python -m orchestration.dbt.client <dbt arguments>

dagster-dbt starts this as it would start dbt, reads dbt's JSON log lines from its
stdout and signals it to stop. The client hands its arguments, environment, working
folder and its own stdout and stderr to the worker of the process that started it
(`orchestration.dbt.worker`), which runs dbt with them in a forked process, dbt already
imported and the project already parsed; the client forwards a stop signal to that
process and exits with its exit code.

When the parent has no worker (dbt started by hand, another executor), the client
replaces itself with the venv's dbt: the same command, the usual start-up.

Standard library only: its start-up is part of every dbt step.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
from contextlib import suppress
from pathlib import Path

# The client as a command: what the pipeline's dbt steps start instead of dbt.
COMMAND = (sys.executable, "-m", "orchestration.dbt.client")
# An abstract Unix socket per process that owns a worker: no file to clean up, and a
# client reaches only its own parent's worker.
ADDRESS = "\0revops-dbt-worker-{pid}"
# The worker's replies, one JSON line each: {"pid": <dbt process>}, then {"exit": <code>}.
WORKER_GONE = 2  # dbt's own code for an unhandled error


def venv_dbt() -> str:
    """The dbt executable beside this Python (the venv's dbt-core), else dbt on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def connect(pid: int) -> socket.socket | None:
    """A connection to `pid`'s worker, or None when it has none."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(ADDRESS.format(pid=pid))
    except OSError:
        sock.close()
        return None
    return sock


def request(args: list[str]) -> bytes:
    """The request line: what dbt needs from this process to run as if started here."""
    return (json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}) + "\n").encode()


def run(sock: socket.socket, args: list[str]) -> int:
    """Hand `args` and this process's stdout and stderr to the worker; forward stop
    signals to dbt's process; return its exit code."""
    dbt_pid: int | None = None

    def forward(signum: int, _frame: object) -> None:
        if dbt_pid is None:  # dbt has not started: the worker kills it when we are gone
            raise SystemExit(128 + signum)
        with suppress(ProcessLookupError):
            os.kill(dbt_pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    replies = sock.makefile("rb")
    try:
        socket.send_fds(sock, [request(args)], [sys.stdout.fileno(), sys.stderr.fileno()])
        first = replies.readline()
    except OSError:  # the worker closed the connection first (it refuses this process)
        first = b""
    if not first:
        print(
            "dbt worker closed the connection before starting dbt (its log: target/dbt-worker.log)",
            file=sys.stderr,
        )
        return WORKER_GONE
    dbt_pid = json.loads(first)["pid"]
    last = replies.readline()
    if not last:
        print(f"dbt worker ended before dbt (pid {dbt_pid}) reported", file=sys.stderr)
        return WORKER_GONE
    return int(json.loads(last)["exit"])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sock = connect(os.getppid())
    if sock is None:
        dbt = venv_dbt()
        os.execv(dbt, [dbt, *args])
    with sock:
        return run(sock, args)


if __name__ == "__main__":
    sys.exit(main())
