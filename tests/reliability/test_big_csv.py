"""A CSV far larger than the memory limit loads within it: the loader streams the file
through DuckDB (which spills to disk), it never holds the file in Python.

The file is generated on the fly into the landing folder and deleted after; the loader
runs in a child process with REVOPS_MEMORY_LIMIT set, and the child's peak resident
memory (VmHWM of /proc/self/status, which the child reads last; not `wait4`'s maxrss,
which Linux carries over from the parent's memory at fork) must stay under the limit
plus `OVERHEAD_MB`: the interpreter and
DuckDB's code (about 75 MB once imported) and DuckDB's allocations outside its buffer
pool (the CSV reader's buffers, one per thread). Measured on the 2-core machine: 349 MB
for 200 MB of CSV with a 256 MB limit (in 10 s); 1,196 MB for 5.16 GB of CSV with a 1 GB
limit (in 591 s)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foundation.settings import PROJECT_ROOT
from tests.ingestion.ingest_helpers import query
from tests.ingestion.test_ingest_atomicity import BAD_EVERY, write_big_csv
from tests.reliability.results import record

OVERHEAD_MB = 256

CHILD = """
import json, sys
from foundation.settings import Settings
from ingestion.loader import load_entity
settings = Settings.from_env(landing=sys.argv[1], warehouse=sys.argv[2])
result = load_entity(settings, "invoice_lines")
status = open("/proc/self/status").read().split("VmHWM:")[1].split()
print(json.dumps([result.files_loaded, result.rows_loaded, result.rows_quarantined]))
print(int(status[0]) / 1024)  # peak resident set of this process, kB -> MB
"""


def load_big_csv(tmp_path: Path, rows: int, limit_mb: int, request) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "wh" / "revops.duckdb"
    big = landing / "invoice_lines" / "big.csv"
    try:
        write_big_csv(big, rows)
        size = big.stat().st_size
        started = time.monotonic()
        env = {**os.environ, "REVOPS_MEMORY_LIMIT": f"{limit_mb}MB", "REVOPS_THREADS": "2"}
        with open(tmp_path / "out", "w+") as out, open(tmp_path / "err", "w+") as err:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(landing), str(warehouse)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
            child.wait()
            seconds = time.monotonic() - started
            out.seek(0), err.seek(0)
            printed, errors = out.read(), err.read()
        assert child.returncode == 0, errors
        *_, counts, peak = printed.splitlines()
        peak_mb = float(peak)
        bad = rows // BAD_EVERY  # rows 100,000, 200,000, ... have amount 'x'
        assert json.loads(counts) == [1, rows - bad, bad]
        assert query(warehouse, "select count(*) from raw.invoice_lines") == [(rows - bad,)]
        assert peak_mb < limit_mb + OVERHEAD_MB, f"peak {peak_mb:.0f} MB"
    finally:
        shutil.rmtree(tmp_path / "landing", ignore_errors=True)
        shutil.rmtree(tmp_path / "wh", ignore_errors=True)
    record(
        request.node.nodeid,
        f"A {size / 1e9:.2f} GB CSV ({rows:,} rows) loads with a {limit_mb} MB memory limit; "
        f"the loader's peak resident memory stays under the limit + {OVERHEAD_MB} MB.",
        {
            "file GB": round(size / 1e9, 2),
            "memory limit MB": limit_mb,
            "peak RSS MB": round(peak_mb),
            "seconds": round(seconds, 1),
            "rows lost": 0,
        },
    )


def test_a_200_mb_csv_loads_within_a_256_mb_memory_limit(tmp_path: Path, request) -> None:
    load_big_csv(tmp_path, 1_700_000, 256, request)


@pytest.mark.reliability_long
@pytest.mark.timeout(3600)
def test_a_5_gb_csv_loads_within_a_1_gb_memory_limit(tmp_path: Path, request) -> None:
    load_big_csv(tmp_path, 43_000_000, 1024, request)
