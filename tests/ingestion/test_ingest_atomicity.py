"""Atomic per file: a loader killed with SIGKILL in the middle of a file leaves none of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from foundation.settings import Settings
from ingestion.audit import reconcile
from ingestion.loader import load_entity
from tests.ingestion.ingest_helpers import query, write_csv

ROOT = Path(__file__).resolve().parents[2]
BIG_ROWS = 1_000_000
BAD_EVERY = 100_000  # rows 100000, 200000, ... have an unparseable amount
HEADER = [
    "invoice_line_id",
    "invoice_id",
    "product_id",
    "description",
    "quantity",
    "unit_amount",
    "amount",
    "period_start",
    "period_end",
    "updated_at",
    "is_deleted",
]


def write_big_csv(path: Path, rows: int) -> None:
    """invoice_line_id il_<i> sits on data row i + 1, so row order can be checked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select
                'il_' || i as invoice_line_id,
                'inv_' || (i // 3) as invoice_id,
                'prd_' || (i % 20) as product_id,
                'Seats, monthly ' || (i % 97) as description,
                (i % 5 + 1)::varchar as quantity,
                ((i % 1000) * 1.25)::decimal(18, 4)::varchar as unit_amount,
                case when (i + 1) % {BAD_EVERY} = 0 then 'x'
                     else ((i % 5 + 1) * (i % 1000) * 1.25)::decimal(18, 4)::varchar
                end as amount,
                (date '2024-01-01' + (i % 365)::int)::varchar as period_start,
                (date '2024-02-01' + (i % 365)::int)::varchar as period_end,
                '2024-06-01T00:00:00Z' as updated_at,
                'false' as is_deleted
            from range({rows}) as t(i)
        ) to '{path}' (header)
        """
    )
    con.close()


# The child is the real loader. It only waits, inside the big file's transaction
# once raw, quarantine and load_files have been written, so that the kill lands
# there for sure; it first says how many of the file's rows its transaction sees.
CHILD = textwrap.dedent(
    """
    import logging, sys, time
    from pathlib import Path
    import ingestion.loader as loader
    from foundation.settings import Settings
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(message)s")
    record = loader._record

    def record_then_wait(con, entity, file, *args, **kwargs):
        record(con, entity, file, *args, **kwargs)
        if file.name.endswith("b_big.csv"):
            n = con.execute(
                "select count(*) from raw.invoice_lines where _file_name = ?", [file.name]
            ).fetchone()[0]
            print(f"in transaction: {n} rows of {file.name} in raw", file=sys.stderr, flush=True)
            time.sleep(60)

    loader._record = record_then_wait
    settings = Settings(landing=Path(sys.argv[2]), warehouse=Path(sys.argv[1]))
    loader.load_entity(settings, "invoice_lines", batch_id="killed")
    print("finished", flush=True)
    """
)


def test_kill_9_mid_file_leaves_nothing_and_the_rerun_loads_it_whole(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "w.duckdb"
    small = [["il_s1", "inv_1", "prd_1", None, "1", "10", "10", None, None, "2024-06-01", None]]
    write_csv(landing / "invoice_lines" / "a_small.csv", HEADER, small)
    write_big_csv(landing / "invoice_lines" / "b_big.csv", BIG_ROWS)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(landing)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        # Wait until the big file's rows are in raw, inside its open transaction.
        seen = []
        for line in child.stderr:
            seen.append(line)
            if line.startswith("in transaction:"):
                break
        else:
            raise AssertionError("child ended before the big file: " + "".join(seen))
        assert child.poll() is None
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    bad = BIG_ROWS // BAD_EVERY
    assert f"in transaction: {BIG_ROWS - bad} rows of invoice_lines/b_big.csv in raw" in [
        line.strip() for line in seen
    ]
    seen += child.stderr.readlines()
    # Files load two at a time (largest first): the small one committed beside the big one.
    assert any("a_small.csv: loaded" in line for line in seen), "".join(seen)

    # Nothing of the big file survived; the small file, committed before, did.
    assert query(warehouse, "select _file_name, count(*) from raw.invoice_lines group by 1") == [
        ("invoice_lines/a_small.csv", 1)
    ]
    assert query(warehouse, "select count(*) from audit.quarantine") == [(0,)]
    assert query(warehouse, "select file_name, status from audit.load_files") == [
        ("invoice_lines/a_small.csv", "loaded")
    ]

    result = load_entity(Settings(landing, warehouse), "invoice_lines", batch_id="rerun")

    # 1,000,000 rows, of which rows 100000, 200000, ..., 1000000 (10 rows) are quarantined.
    assert (result.files_skipped, result.files_loaded) == (1, 1)
    assert (result.rows_loaded, result.rows_quarantined) == (BIG_ROWS - bad, bad)
    assert query(
        warehouse,
        "select count(*), min(_row_number), max(_row_number), "
        "count(*) filter (where invoice_line_id <> 'il_' || (_row_number - 1)) "
        "from raw.invoice_lines where _file_name = 'invoice_lines/b_big.csv'",
    ) == [(BIG_ROWS - bad, 1, BIG_ROWS - 1, 0)]
    assert query(
        warehouse, "select list(row_number order by row_number) from audit.quarantine"
    ) == [([BAD_EVERY * k for k in range(1, bad + 1)],)]
    assert reconcile(Settings(landing, warehouse)) == []
