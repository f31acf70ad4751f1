"""The run's dbt worker and its client (orchestration/dbt/worker.py, client.py): dbt as a
step starts it runs in a fork of a process that has dbt imported and the project parsed,
with the output and exit code of dbt started directly; nothing of it outlives a killed
step or its owner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation.settings import PROJECT_ROOT, Settings
from orchestration.dbt import worker
from orchestration.dbt.args import target_args
from orchestration.dbt.client import COMMAND
from orchestration.dbt.project import DBT_EXECUTABLE, prepare_manifest

CLIENT = list(COMMAND)
# A query DuckDB is busy with for minutes: what a kill has to stop.
ENDLESS = "select sum(hash(range)) from range(1000000000000)"


@pytest.fixture(scope="module")
def flags(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The --target and --vars of a warehouse of its own, parsed (as `revops run` does
    first), and JSON log lines (each names the process that wrote it)."""
    folder = tmp_path_factory.mktemp("worker")
    settings = Settings(landing=folder / "landing", warehouse=folder / "w.duckdb")
    prepare_manifest(settings)
    return [*target_args(settings), "--log-format", "json"]


@pytest.fixture
def running_worker() -> Iterator[subprocess.Popen]:
    started = worker.start()
    assert started is not None, "the worker did not start (Linux with pidfd is required)"
    yield started
    worker.stop(started)


def run(command: list[str], *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """The command's outcome and its process id."""
    process = subprocess.Popen(
        [*command, *args], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = process.communicate(timeout=300)
    outcome = subprocess.CompletedProcess(
        process.args, process.returncode, out.decode(), err.decode()
    )
    return outcome, process.pid


def logged(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def pids(stdout: str) -> set[int]:
    return {line["info"]["pid"] for line in logged(stdout)}


def names(stdout: str) -> list[str]:
    return [line["data"]["msg"] for line in logged(stdout) if line["info"]["name"] == "PrintEvent"]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone(pid: int, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def forked(worker_pid: int) -> list[int]:
    """The worker's forks (its other child is multiprocessing's resource tracker)."""
    found = []
    for child in children(worker_pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"orchestration.dbt.worker" in cmdline:
            found.append(child)
    return found


def forked_dbt(worker_pid: int, within: float = 60.0) -> int:
    """The dbt process the worker forked for a client."""
    deadline = time.monotonic() + within
    while not forked(worker_pid):
        assert time.monotonic() < deadline, "the worker started no dbt"
        time.sleep(0.05)
    (dbt_pid,) = forked(worker_pid)
    return dbt_pid


LS = ("ls", "--resource-type", "model", "--select", "dim_date dim_account", "--output", "name")


def test_without_a_worker_the_client_is_dbt_itself(flags):
    direct, _ = run([DBT_EXECUTABLE], *LS, *flags)
    through, client_pid = run(CLIENT, *LS, *flags)
    assert through.returncode == direct.returncode == 0, through.stdout[-2000:]
    assert names(through.stdout) == names(direct.stdout) == ["dim_account", "dim_date"]
    assert pids(through.stdout) == {client_pid}  # the client became dbt (exec)


def test_with_a_worker_dbt_runs_in_its_fork_with_dbts_output_and_exit_codes(flags, running_worker):
    direct, _ = run([DBT_EXECUTABLE], *LS, *flags)
    through, client_pid = run(CLIENT, *LS, *flags)
    assert through.returncode == 0, through.stdout[-2000:]
    assert names(through.stdout) == names(direct.stdout)
    (dbt_pid,) = pids(through.stdout)
    assert dbt_pid not in (client_pid, running_worker.pid)
    # A failing query: dbt's exit code and error, as from dbt started directly.
    failing = ("show", "--inline", "select * from no_such_table", *flags)
    direct, _ = run([DBT_EXECUTABLE], *failing)
    through, _ = run(CLIENT, *failing)
    assert through.returncode == direct.returncode != 0
    assert "no_such_table" in through.stdout
    # The worker serves the next client too, in a fork of its own.
    again, _ = run(CLIENT, *LS, *flags)
    assert names(again.stdout) == ["dim_account", "dim_date"]
    assert pids(again.stdout).isdisjoint({dbt_pid, running_worker.pid})


def endless(flags: list[str], worker_pid: int) -> tuple[subprocess.Popen, int]:
    """A client whose dbt (forked by the worker `worker_pid`) runs `ENDLESS`, and that
    dbt's process id."""
    client = subprocess.Popen(
        [*CLIENT, "show", "--inline", ENDLESS, *flags], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL
    )
    return client, forked_dbt(worker_pid)


def test_a_killed_client_takes_its_dbt_with_it(flags, running_worker):
    client, dbt_pid = endless(flags, running_worker.pid)
    client.kill()
    client.wait()
    assert gone(dbt_pid), f"dbt {dbt_pid} still runs after its client was killed"
    assert running_worker.poll() is None  # the worker itself stays for the next step


def test_a_stop_signal_to_the_client_stops_dbt(flags, running_worker):
    client, dbt_pid = endless(flags, running_worker.pid)
    time.sleep(2)  # inside the query
    client.send_signal(signal.SIGINT)
    assert client.wait(timeout=60) != 0
    assert gone(dbt_pid)


OWNER = """
import subprocess, sys, time
from orchestration.dbt import worker
w = worker.start()
c = subprocess.Popen({client!r}, stdout=subprocess.DEVNULL)
print(w.pid, c.pid, flush=True)
time.sleep(600)
"""


def test_nothing_outlives_the_owner(flags):
    client = [*CLIENT, "show", "--inline", ENDLESS, *flags]
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(OWNER.format(client=client))],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    worker_pid, client_pid = map(int, owner.stdout.readline().split())
    dbt_pid = forked_dbt(worker_pid)
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    assert gone(worker_pid), "the worker outlived its owner"
    assert gone(dbt_pid), "dbt outlived the worker's owner"
    assert gone(client_pid), "the client outlived its worker"


ASK = """
import sys
from orchestration.dbt.client import connect, run
print(run(connect({owner}), ["--version"]), flush=True)
"""


def test_only_the_owners_children_are_served(running_worker):
    # Anyone on the machine may connect to an abstract socket: the worker serves only
    # the children of its owner, run by the same user.
    ask = [sys.executable, "-c", textwrap.dedent(ASK.format(owner=os.getpid()))]
    child = subprocess.run(ask, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert child.stdout.splitlines()[-1] == "0", child.stdout[-2000:] + child.stderr[-2000:]
    grandchild = subprocess.run(
        [sys.executable, "-c", f"import subprocess, sys; sys.exit(subprocess.call({ask!r}))"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert grandchild.stdout.splitlines() == ["2"]  # refused: dbt never ran
    assert "closed the connection before starting dbt" in grandchild.stderr


def test_a_fork_writes_run_results_and_asked_for_debug_lines_not_the_manifest(
    flags, running_worker, tmp_path
):
    # orchestration/dbt/lean.py: a forked dbt does not write its step's manifest.json
    # again, and builds debug events only when a logger writes them.
    show = ("show", "--inline", "select 1 as x", *flags)
    direct, _ = run([DBT_EXECUTABLE], *show, "--target-path", str(tmp_path / "direct"))
    through, _ = run(CLIENT, *show, "--target-path", str(tmp_path / "fork"))
    assert through.returncode == direct.returncode == 0, through.stdout[-2000:]
    direct_wrote = {path.name for path in (tmp_path / "direct").iterdir()}
    assert {"manifest.json", "run_results.json"} <= direct_wrote
    written = {path.name for path in (tmp_path / "fork").iterdir()}
    assert "run_results.json" in written
    assert "manifest.json" not in written
    assert [line for line in logged(through.stdout) if line["info"]["level"] == "debug"] == []
    debug, _ = run(CLIENT, *LS, *flags, "--log-level", "debug")
    assert names(debug.stdout) == ["dim_account", "dim_date"]
    assert any(line["info"]["level"] == "debug" for line in logged(debug.stdout))


EVENTS = """
import io, json
from dbt_common.events import event_manager
from dbt_common.events.base_types import EventLevel
from dbt_common.events.logger import LineFormat, LoggerConfig
from dbt_common.events.types import Note
from orchestration.dbt import lean

lean.skip_unwritten_events()
built = []
build = event_manager.msg_from_base_event
event_manager.msg_from_base_event = lambda e, level=None: built.append(e) or build(e, level=level)
manager = event_manager.EventManager()
out = io.StringIO()
def add(level):
    manager.add_logger(LoggerConfig(
        name=str(level), level=level, output_stream=out, line_format=LineFormat.Json
    ))
def written():
    return [json.loads(line)["info"]["msg"] for line in out.getvalue().splitlines()]
add(EventLevel.INFO)
manager.fire_event(Note(msg="an info event"))
manager.fire_event(Note(msg="a debug event"), level=EventLevel.DEBUG)
print(json.dumps([len(built), written()]))
add(EventLevel.DEBUG)
manager.fire_event(Note(msg="a debug event, now written"), level=EventLevel.DEBUG)
print(json.dumps([len(built), written()]))
"""


def test_a_debug_event_is_built_only_when_a_logger_writes_it():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(EVENTS)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    info_only, with_debug = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    assert info_only == [1, ["an info event"]]  # the debug event was never built
    assert with_debug == [2, ["an info event", "a debug event, now written"]]


PARSING_OWNER = """
from orchestration.dbt import worker
print(worker.start().pid, flush=True)
import time
time.sleep(600)
"""


def test_a_worker_parsing_ahead_ends_with_its_owner(flags):
    # `flags` has recorded the parse flags: the worker parses ahead (importing dbt,
    # parsing, compiling the macros: several seconds) as soon as it starts.
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARSING_OWNER)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    worker_pid = int(owner.stdout.readline())
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    assert gone(worker_pid, within=3), "the worker parsing ahead outlived its owner"
