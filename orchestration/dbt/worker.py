"""A run's dbt worker: dbt imported and the project parsed once, for every dbt step.

A dbt process spends about 6.5 s before its first node at 10,000 accounts: importing
dbt (about 3 s), loading the project and the partial-parse manifest, checking the
profile. A pipeline run makes two, around the churn model's step (issue 19). The
worker pays the import once per run, while the run ingests, and the parse once per
distinct target and vars; each dbt step is then a `fork` of it running `dbt build`
with the parsed manifest (dbt's programmatic `dbtRunner(manifest=...)`).

    python -m orchestration.dbt.worker <owner pid> [--no-parse-ahead]

Each step starts `orchestration.dbt.client` as its dbt (dagster-dbt reads the JSON log
lines on its stdout, as from dbt); the client hands the worker its arguments,
environment, working folder, stdout and stderr, and the forked dbt runs with them: its
log lines, exit code and stop signals are those of a dbt started by the step.

Nothing outlives the run: the worker exits when its owner does, a forked dbt is killed
when the worker dies (`PR_SET_PDEATHSIG`) and when its client goes away (the step was
interrupted or killed). Linux only; elsewhere, or without a worker, the client runs the
venv's dbt as before.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

from foundation.settings import PROJECT_ROOT
from orchestration.dbt import lean
from orchestration.dbt.client import ADDRESS

AVAILABLE = sys.platform == "linux" and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
READY = b"ready\n"
NO_PARSE_AHEAD = "--no-parse-ahead"
PARTIAL_PARSE = "partial_parse.msgpack"
# Beside dbt's target/manifest.json: the flags `prepare_manifest` parsed it with.
PARSE_VARS_FILE = "revops_parse_vars.json"
# The workers' own errors (appended; a fork's dbt writes to its client's stdout and stderr).
LOG = PROJECT_ROOT / "target" / "dbt-worker.log"


def start(parse_ahead: bool = True) -> subprocess.Popen | None:
    """Start this process's worker; return once it listens (`parse_ahead`: and then parse
    with the flags `prepare_manifest` recorded, `Worker.parse_ahead`). None where the
    worker is unavailable (not Linux) or could not start: the client then runs dbt."""
    if not AVAILABLE:
        return None
    flags = [] if parse_ahead else [NO_PARSE_AHEAD]
    # The worker's own stderr goes to a log file, not the run's: what its exit prints (a
    # native module's leak report, multiprocessing's resource tracker) would otherwise
    # land in the middle of the run's last lines. dbt's output goes to each client.
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid()), *flags],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
        )
    assert worker.stdout is not None
    if worker.stdout.readline() != READY:  # it exited: the client falls back to dbt
        worker.wait()
        return None
    worker.stdout.close()
    return worker


def stop(worker: subprocess.Popen | None) -> None:
    """End the worker: SIGTERM, on which it exits as a Python program does (releasing
    the semaphores dbt made, which multiprocessing's resource tracker would otherwise
    report as leaked); SIGKILL if it does not within 10 s."""
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _flag(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args[:-1]):
        if arg == name:
            return args[i + 1]
    return None


def _parse_key(project: Path, profiles: str | None, args: list[str]) -> tuple:
    """What decides the manifest `dbt parse` makes: a manifest parsed with the same key
    serves a build (dbt itself re-parses when the target or vars differ)."""
    return (str(project), profiles, _flag(args, "--target"), _flag(args, "--vars"))


def _take_on(env: dict[str, str], cwd: str) -> None:
    """This process becomes the client's: its environment and working folder."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)


def _read_request(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 2)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 16)
        if not more:
            raise ConnectionError("the client closed the connection mid-request")
        data += more
    return json.loads(data), fds


class Worker:
    """The accept loop and the parsed manifests (by parse flags) of one owner."""

    def __init__(self, owner: int, parse_ahead: bool) -> None:
        self.owner = owner
        self.ahead = parse_ahead
        self.pid = os.getpid()
        self.owner_fd = os.pidfd_open(owner)
        self.manifests: dict[tuple, Any] = {}

    def manifest(self, request: dict[str, Any]) -> Any:
        """The manifest parsed with the request's flags (parsed now if new); None when the
        parse fails: the forked dbt then parses itself and reports the error."""
        args, env, cwd = request["args"], request["env"], request["cwd"]
        project = Path(cwd, _flag(args, "--project-dir") or env.get("DBT_PROJECT_DIR") or cwd)
        profiles = _flag(args, "--profiles-dir") or env.get("DBT_PROFILES_DIR")
        key = _parse_key(project, profiles, args)
        if key not in self.manifests:
            _take_on(env, cwd)
            target = _flag(args, "--target-path") or env.get("DBT_TARGET_PATH") or "target"
            self.parse(key, project / target)
        return self.manifests[key]

    def parse(self, key: tuple[str, str | None, str | None, str | None], target: Path) -> None:
        """`dbt parse` of the project with these flags, in this process, from the partial
        parse in dbt's `target` folder (`dbt parse` keeps it there, and dagster-dbt copies
        it into each step's)."""
        from dbt.cli.main import dbtRunner

        project, profiles, dbt_target, dbt_vars = key
        parse = ["parse", "--quiet", "--project-dir", project]
        for flag, value in (
            ("--profiles-dir", profiles),
            ("--target", dbt_target),
            ("--vars", dbt_vars),
        ):
            if value is not None:
                parse += [flag, value]
        with tempfile.TemporaryDirectory(prefix="revops-dbt-worker-") as scratch:
            with suppress(FileNotFoundError):
                shutil.copy(target / PARTIAL_PARSE, Path(scratch, PARTIAL_PARSE))
            result = dbtRunner().invoke([*parse, "--target-path", scratch, "--log-path", scratch])
        self.manifests[key] = result.result if result.success else None

    def parse_ahead(self) -> None:
        """Parse now with the flags of the manifest the run's definitions were made from
        (`prepare_manifest` records them): the flags of its dbt steps unless the run has
        its own as-of date."""
        target = PROJECT_ROOT / "target"
        if not (target / PARSE_VARS_FILE).exists():
            return
        args = json.loads((target / PARSE_VARS_FILE).read_text())
        key = _parse_key(PROJECT_ROOT, str(PROJECT_ROOT), args)
        self.parse(key, target)
        if self.manifests[key] is not None:  # while the run ingests
            lean.compile_macro_templates(self.manifests[key])

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, _exit)
        threading.Thread(target=self.end_with_owner, daemon=True).start()
        # A terminal's Ctrl-C reaches the whole process group: dbt stops on it (its client
        # forwards it too), the worker ends with its owner.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(ADDRESS.format(pid=self.owner))
        listener.listen(4)
        sys.stdout.buffer.write(READY)
        sys.stdout.flush()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        if self.ahead:
            self.parse_ahead()

        poller = select.poll()
        poller.register(listener, select.POLLIN)
        poller.register(self.owner_fd, select.POLLIN)
        while True:
            ready = {fd for fd, _ in poller.poll()}
            if self.owner_fd in ready:
                return
            conn, _ = listener.accept()
            with conn:
                self.handle(conn, listener)

    def end_with_owner(self) -> None:
        """In a thread of its own: SIGTERM to the worker's main thread (where Python runs
        signal handlers) once its owner is gone, whatever the worker is doing. The accept
        loop and `wait` see the owner go too, but not a parse ahead, which takes up to
        about 20 s without a partial parse."""
        select.select([self.owner_fd], [], [])
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)

    def handle(self, conn: socket.socket, listener: socket.socket) -> None:
        if not self.from_owner(conn):
            return
        try:
            request, fds = _read_request(conn)
        except (ConnectionError, ValueError):
            return
        manifest = self.manifest(request)
        sys.stdout.flush()
        sys.stderr.flush()
        # The parsed project, dbt's modules: out of the fork's garbage collections, which
        # would otherwise walk them again and again (and copy their pages to do it).
        gc.freeze()
        child = os.fork()
        if child == 0:
            listener.close()
            raise SystemExit(self.run_dbt(request, fds, manifest))
        for fd in fds:
            os.close(fd)
        with suppress(OSError):
            conn.sendall(json.dumps({"pid": child}).encode() + b"\n")
        code = self.wait(child, conn)
        with suppress(OSError):
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")

    def from_owner(self, conn: socket.socket) -> bool:
        """Whether the client is a child of the owner, run by this user. An abstract
        socket has no file permissions: anyone on the machine may connect to it."""
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, _gid = struct.unpack("3i", creds)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        return uid == os.getuid() and parent == self.owner

    def wait(self, child: int, conn: socket.socket) -> int:
        """dbt's exit code; dbt is killed first if the client goes away (the step was
        interrupted or killed) or the owner dies."""
        pidfd = os.pidfd_open(child)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.register(conn, select.POLLIN | select.POLLHUP)
        poller.register(self.owner_fd, select.POLLIN)
        ready = {fd for fd, _ in poller.poll()}
        if pidfd not in ready:
            with suppress(ProcessLookupError):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        os.close(pidfd)
        _, status = os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code

    def run_dbt(self, request: dict[str, Any], fds: list[int], manifest: Any) -> int:
        """In the forked process: dbt with the client's arguments, environment, folder,
        stdout and stderr; its exit code as the dbt CLI's (0 ok, 1 failures, 2 error)."""
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != self.pid:
            return 2  # the worker died between the fork and the prctl
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        _take_on(request["env"], request["cwd"])
        from dbt.cli.main import dbtRunner

        lean.skip_manifest_write()
        lean.skip_unwritten_events()
        result = dbtRunner(manifest=manifest).invoke(request["args"])
        sys.stdout.flush()
        if result.success:
            return 0
        return 2 if result.exception is not None else 1


def main(argv: list[str]) -> None:
    try:
        worker = Worker(int(argv[1]), parse_ahead=NO_PARSE_AHEAD not in argv)
    except ProcessLookupError:
        return  # the owner died before its worker started
    worker.serve()


if __name__ == "__main__":
    main(sys.argv)
