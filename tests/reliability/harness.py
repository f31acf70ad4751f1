"""The crash harness: `revops run` in a subprocess, stopped by a signal at seeded points
of its phases, then run again and compared with a clean run.

A run prints a line when each phase begins (orchestration/defs/progress.py):
ingest, validate (the raw checks), dbt, validate (staging and mart checks),
publish. A kill point is a phase and a fraction: the harness waits for the
phase's line and sends the signal after fraction x the phase's length (measured
on a clean run of the same work; the validate phase counts its two windows as
one). Which phase the run was really in when the signal left is read back from
the lines that had arrived by then.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from foundation.contract import ENTITIES
from foundation.settings import PROJECT_ROOT, Settings
from ingestion.audit import reconcile

PHASES = ("ingest", "dbt", "validate", "publish")
START_UP = "start-up"
FINISHED = "finished"  # the run ended before the kill's point
REVOPS = [sys.executable, "-m", "revops.cli"]
# Columns that a rerun writes differently by design: when and in which batch a row was
# loaded (in raw, and carried into the facts as _source_loaded_at). _file_name and
# _row_number name the source row and must match.
LOAD_TIME_COLUMNS = ("_loaded_at", "_batch_id", "_source_loaded_at")
# model_evaluation gets one row per dbt build that built the churn model (its
# invocation and time): a killed run that built it adds a row with the same numbers.
PER_BUILD_COLUMNS = {"model_evaluation": ("invocation_id", "trained_at")}


@dataclass(frozen=True)
class Kill:
    """Send `signal_name` `fraction` of the way through `phase`."""

    phase: str
    fraction: float
    signal_name: str = "SIGKILL"


def plan_kills(seed: int, per_phase: int, signal_name: str = "SIGKILL") -> list[Kill]:
    """`per_phase` kill points in each phase, the phases in turn (a problem in any phase
    shows early), the same for the same seed."""
    rng = random.Random(seed)
    return [
        Kill(phase, round(rng.random(), 4), signal_name)
        for _ in range(per_phase)
        for phase in PHASES
    ]


def earlier(kill: Kill) -> Kill:
    """The same kill halfway to its phase's start: another try for a kill that landed in
    a later phase (this run went through the phase faster than the clean one did)."""
    return Kill(kill.phase, round(kill.fraction / 2, 4), kill.signal_name)


class WatchedRun:
    """`revops run` as a subprocess; its stderr lines with the time each arrived."""

    def __init__(self, landing: Path, warehouse: Path, *args: str) -> None:
        env = {**os.environ, "REVOPS_THREADS": os.environ.get("REVOPS_THREADS", "1")}
        command = [*REVOPS, "run", "--landing", str(landing), "--warehouse", str(warehouse)]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*command, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
            env=env,
        )
        self.lines: list[tuple[float, str]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._arrived:
                self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self._arrived.notify_all()
        with self._arrived:
            self._arrived.notify_all()

    def wait_for_line(self, text: str, occurrence: int = 1, timeout: float = 900) -> float | None:
        """When the `occurrence`-th line equal to `text` arrived; None if the run ended first."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                seen = [at for at, line in self.lines if line == text]
                if len(seen) >= occurrence:
                    return seen[occurrence - 1]
                if not self._reader.is_alive() or time.monotonic() > deadline:
                    return None
                self._arrived.wait(0.2)

    def phase_at(self, at: float) -> str:
        """The phase the run was in at `at` (seconds since it started)."""
        phase = START_UP
        for when, line in list(self.lines):
            if when <= at and line in PHASES:
                phase = line
        return phase

    def signal(self, name: str) -> float:
        at = time.monotonic() - self.started
        self.process.send_signal(getattr(signal, name))
        return at

    def finish(self, timeout: float = 900) -> int:
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        return code

    @property
    def stderr(self) -> str:
        return "\n".join(line for _, line in self.lines)


def phase_windows(run: WatchedRun) -> dict[str, list[float]]:
    """Each phase's windows (its lengths in seconds, in order) from a finished run's lines."""
    marks = [(at, line) for at, line in run.lines if line in PHASES]
    end = run.lines[-1][0]
    windows: dict[str, list[float]] = {}
    for (at, phase), (next_at, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
        windows.setdefault(phase, []).append(next_at - at)
    return windows


def kill_point(kill: Kill, windows: dict[str, list[float]]) -> tuple[int, float]:
    """Which window of the phase (1-based) and how many seconds into it."""
    lengths = windows[kill.phase]
    offset = kill.fraction * sum(lengths)
    for occurrence, length in enumerate(lengths, start=1):
        if offset < length or occurrence == len(lengths):
            return occurrence, min(offset, length)
        offset -= length
    raise AssertionError("unreachable")


@dataclass
class Landed:
    """Where a kill landed, and what the killed run said."""

    kill: Kill
    phase: str
    at: float
    exit_code: int
    lines: list[tuple[float, str]] = field(repr=False)
    finished_first: bool = False


def run_and_stop(
    landing: Path, warehouse: Path, kill: Kill, windows: dict[str, list[float]]
) -> Landed:
    """Start `revops run`, send the kill's signal at its point, wait for the run to end."""
    occurrence, delay = kill_point(kill, windows)
    run = WatchedRun(landing, warehouse)
    started = run.wait_for_line(kill.phase, occurrence)
    if started is None:
        code = run.finish()
        raise AssertionError(f"the run ended (exit {code}) before {kill}: {run.stderr}")
    time.sleep(max(0.0, started + delay - (time.monotonic() - run.started)))
    at = run.signal(kill.signal_name)
    code = run.finish()
    # A run stopped by a signal never exits 0: this one ended before the signal left.
    phase = FINISHED if code == 0 else run.phase_at(at)
    return Landed(kill, phase, at, code, run.lines, finished_first=code == 0)


def clean_run(landing: Path, warehouse: Path) -> WatchedRun:
    """A run to the end that must succeed."""
    run = WatchedRun(landing, warehouse)
    code = run.finish()
    assert code == 0, f"revops run failed (exit {code}):\n{run.stderr}"
    return run


# --------------------------------------------------------------------------- after a kill


def orphans(warehouse: Path, wait: float = 10.0) -> list[str]:
    """Processes still naming the warehouse (a dbt left running by a killed run), and dbt
    workers or the dbt they forked (orchestration/dbt/worker.py) whose owner is gone,
    after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                args = (proc / "cmdline").read_bytes().decode().split("\0")
            except OSError:
                continue
            cmdline = " ".join(args)
            if str(warehouse) in cmdline or _ownerless_worker(args):
                found.append(f"{proc.name}: {cmdline[:200]}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _ownerless_worker(args: list[str]) -> bool:
    """`python -m orchestration.dbt.worker <owner pid>` (or its fork) whose owner is gone."""
    if "orchestration.dbt.worker" not in args:
        return False
    owner = args[args.index("orchestration.dbt.worker") + 1]
    return owner.isdigit() and not Path("/proc", owner).exists()


def warehouse_lock_error(warehouse: Path, wait: float = 30.0) -> str:
    """DuckDB's error opening the warehouse, if its file lock is still held after `wait`
    seconds ("" once it opens). A killed process keeps its locks for a moment while the
    kernel tears it down (its command line is already gone then)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            duckdb.connect(str(warehouse), read_only=True).close()
            return ""
        except duckdb.IOException as error:
            if time.monotonic() > deadline:
                return str(error)
        time.sleep(0.2)


def lock_is_free(warehouse: Path) -> bool:
    """Whether a new run could take the warehouse lock now."""
    path = warehouse.parent / f".{warehouse.name}.lock"
    if not path.exists():
        return True
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def reconciliation_problems(warehouse: Path) -> list[str]:
    return reconcile(Settings(landing=warehouse.parent, warehouse=warehouse))


EXPECTED_ENTRIES = {
    ".published",
    "data_docs",
    "parquet",
    "report",
    "serving.duckdb",
}


def stray_files(warehouse: Path) -> list[str]:
    """Files a run should not leave in the warehouse folder (temporary files, half-written
    copies); a WAL is allowed (DuckDB replays it on the next open)."""
    allowed = {
        *EXPECTED_ENTRIES,
        warehouse.name,
        f"{warehouse.name}.wal",
        f".{warehouse.name}.lock",
    }
    stray = [p.name for p in warehouse.parent.iterdir() if p.name not in allowed]
    report = warehouse.parent / "report"
    if report.is_dir():
        stray += [f"report/{p.name}" for p in report.iterdir() if p.name != "index.html"]
    return sorted(stray)


# --------------------------------------------------------------------------- comparisons


@contextmanager
def _both(ours: Path, reference: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"attach '{ours}' as ours (read_only)")
    con.execute(f"attach '{reference}' as ref (read_only)")
    try:
        yield con
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE' "
            "order by table_name",
            [catalog, schema],
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
    ]


def differences(
    ours: Path,
    reference: Path,
    schema: str,
    ignore: tuple[str, ...] = (),
    as_sets: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, dict[str, int]]:
    """Per table of `schema`: rows only in ours ("extra") and only in the reference
    ("missing"), counted with EXCEPT ALL both ways (a duplicated row is extra). Columns
    in `ignore` are left out; a table in `as_sets` is compared as a set without its
    listed columns. Every value is compared as it is, floating-point ones too (no sum
    depends on the order of its rows: exact_sum in dbt_project/macros). Empty when equal."""
    as_sets = as_sets or {}
    found: dict[str, dict[str, int]] = {}
    with _both(ours, reference) as con:
        ours_tables, ref_tables = _tables(con, "ours", schema), _tables(con, "ref", schema)
        for table in sorted(set(ours_tables) ^ set(ref_tables)):
            found[table] = {"table in one only": 1}
        for table in sorted(set(ours_tables) & set(ref_tables)):
            skip = set(ignore) | set(as_sets.get(table, ()))
            columns = [c for c in _columns(con, "ref", schema, table) if c not in skip]
            if columns != [c for c in _columns(con, "ours", schema, table) if c not in skip]:
                found[table] = {"columns differ": 1}
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            keyword = "except" if table in as_sets else "except all"
            counts = {}
            for name, left, right in (("extra", "ours", "ref"), ("missing", "ref", "ours")):
                counts[name] = con.execute(
                    f'select count(*) from (select {listed} from {left}.{schema}."{table}" '
                    f'{keyword} select {listed} from {right}.{schema}."{table}")'
                ).fetchone()[0]
            if any(counts.values()):
                found[table] = counts
    return found


def raw_and_audit_differences(ours: Path, reference: Path) -> dict[str, dict[str, int]]:
    """Raw rows and load records against a clean run's: nothing duplicated or missing."""
    found = {
        f"raw.{table}": diff
        for table, diff in differences(ours, reference, "raw", LOAD_TIME_COLUMNS).items()
    }
    load_record = ("batch_id", "loaded_at", "duration_seconds", "quarantined_at")
    for table, diff in differences(ours, reference, "audit", load_record).items():
        if table in ("load_files", "quarantine"):
            found[f"audit.{table}"] = diff
    return found


def mart_differences(ours: Path, reference: Path) -> dict[str, dict[str, int]]:
    return differences(ours, reference, "marts", LOAD_TIME_COLUMNS, PER_BUILD_COLUMNS)


def raw_row_count(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sum(
            con.execute(f'select count(*) from raw."{entity.name}"').fetchone()[0]
            for entity in ENTITIES
        )


# --------------------------------------------------------------------------- readers


class Readers:
    """`count` reader processes (tests/reliability/reader.py) polling the published files."""

    def __init__(
        self,
        warehouse_dir: Path,
        work: Path,
        count: int = 1,
        interval: float = 0.1,
        serving_only: bool = False,
    ):
        work.mkdir(parents=True, exist_ok=True)
        self.stop_file = work / "stop"
        self.stop_file.unlink(missing_ok=True)
        self.outputs = [work / f"reader-{i}.json" for i in range(count)]
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.reliability.reader",
                    str(warehouse_dir),
                    str(self.stop_file),
                    str(out),
                    str(interval),
                    *(["serving"] if serving_only else []),
                ],
                cwd=PROJECT_ROOT,
            )
            for out in self.outputs
        ]

    def stop(self) -> list[dict]:
        self.stop_file.write_text("stop")
        for process in self.processes:
            process.wait(120)
        return [json.loads(out.read_text()) for out in self.outputs]


def restore(state: Path, warehouse_dir: Path) -> None:
    """Make `warehouse_dir` a copy of `state` (links kept as links)."""
    if warehouse_dir.exists():
        shutil.rmtree(warehouse_dir)
    if state.exists():
        shutil.copytree(state, warehouse_dir, symlinks=True)
    else:
        warehouse_dir.mkdir(parents=True)


@dataclass
class Tally:
    """What a campaign of kills did, for RELIABILITY.md."""

    kills: list[Landed] = field(default_factory=list)
    finished_first: int = 0  # runs that ended before their kill's point (tried again)
    reads: int = 0
    reader_errors: int = 0
    mixed_reads: int = 0
    versions_seen: set[str] = field(default_factory=set)
    rows_lost: int = 0
    rows_duplicated: int = 0

    def by_phase(self) -> dict[str, int]:
        counts = dict.fromkeys((START_UP, *PHASES), 0)
        for landed in self.kills:
            counts[landed.phase] += 1
        return {phase: n for phase, n in counts.items() if n}

    def add_reads(self, reports: list[dict]) -> None:
        for report in reports:
            self.reads += report["reads"]
            self.reader_errors += len(report["errors"])
            self.mixed_reads += len(report["mixes"])
            self.versions_seen.update(report["versions"])

    def add_raw(self, diff: dict[str, dict[str, int]]) -> None:
        for counts in diff.values():
            self.rows_lost += counts.get("missing", 0)
            self.rows_duplicated += counts.get("extra", 0)
