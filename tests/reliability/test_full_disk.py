"""A full disk during ingest and during publish: one line naming the disk, the previous
published version byte-identical, and a rerun after space is freed loads every row once.

The disk is a real tmpfs mounted for the test when the sandbox permits (root, `mount`),
else fault injection at the loader's and the publisher's writes (tests/reliability/disk.py);
each test records which."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from foundation.disk import disk_full_message, filesystem_space
from foundation.settings import PROJECT_ROOT, Settings
from ingestion.audit import reconcile
from ingestion.loader import DiskFull, load_entity, load_landing
from serving.publish import PublishError, publish
from tests.ingestion.ingest_helpers import query, write_csv
from tests.ingestion.test_ingest_atomicity import write_big_csv
from tests.ingestion.test_ingest_loader import ACCOUNT_HEADER, account_row
from tests.reliability.disk import SmallDisk
from tests.reliability.results import record

LEAVE = 256 * 1024  # bytes left free when the disk is "full"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "disk", "32m")
    try:
        yield small
    finally:
        small.free()
        small.close()


def published_digests(settings: Settings) -> dict[str, str]:
    parquet = sorted(p for p in settings.parquet_dir.iterdir() if not p.name.startswith("."))
    files = [settings.serving, *parquet]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def make_marts(settings: Settings, rows: int) -> None:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists marts")
        # md5 text barely compresses: `rows` * 32 bytes in serving and in Parquet.
        con.execute(
            "create or replace table marts.fct_x as "
            f"select i, md5(cast(i as varchar)) as h from range({rows}) as t(i)"
        )


def assert_one_line_naming_the_disk(message: str, disk: SmallDisk) -> None:
    assert "\n" not in message
    assert message.startswith(f"no space left on device: could not write {disk.path}/"), message
    if disk.real:
        assert f"(filesystem {disk.path}: " in message, message
    assert message.endswith("; free some space and run again")


def test_a_full_disk_during_ingest_stops_the_load_and_the_rerun_loads_every_row(
    tmp_path: Path, disk: SmallDisk, monkeypatch, request
) -> None:
    disk.inject(monkeypatch)
    landing = tmp_path / "landing"
    settings = Settings(landing, disk.path / "wh" / "revops.duckdb", threads=1)
    write_csv(landing / "accounts" / "a.csv", ACCOUNT_HEADER, [account_row("acc_1")])
    load_landing(settings, ["accounts"])
    make_marts(settings, 1_000)
    publish(settings)
    before = published_digests(settings)
    # 200,000 invoice lines (about 25 MB of CSV); rows 100,000 and 200,000 are bad.
    write_big_csv(landing / "invoice_lines" / "big.csv", 200_000)
    disk.fill(LEAVE)

    with pytest.raises(DiskFull) as failed:
        load_entity(settings, "invoice_lines")

    assert_one_line_naming_the_disk(str(failed.value), disk)
    assert published_digests(settings) == before
    disk.free()
    result = load_entity(settings, "invoice_lines")
    assert (result.files_loaded, result.rows_loaded, result.rows_quarantined) == (1, 199_998, 2)
    assert reconcile(settings) == []
    assert query(
        settings.warehouse,
        "select count(*), count(distinct invoice_line_id) from raw.invoice_lines",
    ) == [(199_998, 199_998)]
    assert query(settings.warehouse, "select file_name, status from audit.load_files") == [
        ("accounts/a.csv", "loaded"),
        ("invoice_lines/big.csv", "loaded"),
    ]
    record(
        request.node.nodeid,
        f"The warehouse's disk ({disk.mode}) fills while a 200,000-row file loads: DiskFull "
        "names the disk, nothing is recorded, the rerun loads the file whole.",
        {"disk": disk.mode, "rows lost": 0, "rows duplicated": 0, "published files changed": 0},
    )


def test_a_full_disk_during_publish_keeps_the_previous_version(
    disk: SmallDisk, monkeypatch, request
) -> None:
    disk.inject(monkeypatch)
    settings = Settings(disk.path / "landing", disk.path / "wh" / "revops.duckdb", threads=1)
    make_marts(settings, 100_000)
    publish(settings)
    before = published_digests(settings)
    make_marts(settings, 150_000)
    disk.fill(LEAVE)

    with pytest.raises(PublishError) as failed:
        publish(settings)

    message = str(failed.value)
    prefix = "not published, the previous version stays: "
    assert message.startswith(prefix)
    assert_one_line_naming_the_disk(message.removeprefix(prefix), disk)
    assert published_digests(settings) == before
    leftovers = [p.name for p in settings.warehouse_dir.rglob("*.tmp-*")]
    assert leftovers == []
    disk.free()
    assert publish(settings).tables == {"fct_x": 150_000}
    record(
        request.node.nodeid,
        f"The serving disk ({disk.mode}) fills while the marts are published: PublishError "
        "names the disk, the previous serving.duckdb and Parquet stay byte-identical, no "
        "temporary file is left, the next publish succeeds.",
        {"disk": disk.mode, "published files changed": 0, "temporary files left": 0},
    )


def test_the_disk_is_named_from_duckdb_s_error_text(tmp_path: Path) -> None:
    """DuckDB names the file in its text, quoted, or quoted inside JSON (an async write of
    COPY ... TO, as a full disk during publish said)."""
    plain = duckdb.IOException(
        f'IO Error: Could not write file "{tmp_path}/wh/revops.duckdb.wal": No space left on device'
    )
    wrapped = duckdb.IOException(
        "IO Error: Async write failed for range [offset=162156, size=2259703]: "
        '{"exception_type":"IO","exception_message":"Could not write file '
        f'\\"{tmp_path}/x.parquet.tmp-1\\": No space left on device","errno":"28"}}'
    )
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "r.html"))
    other = duckdb.IOException('IO Error: Could not write file "/x": Permission denied')
    space = filesystem_space(tmp_path)
    assert disk_full_message(plain, tmp_path) == (
        f"no space left on device: could not write {tmp_path}/wh/revops.duckdb.wal ({space}); "
        "free some space and run again"
    )
    assert disk_full_message(wrapped, tmp_path).startswith(
        f"no space left on device: could not write {tmp_path}/x.parquet.tmp-1 (filesystem "
    )
    assert disk_full_message(full, tmp_path).startswith(
        f"no space left on device: could not write {tmp_path}/r.html (filesystem "
    )
    assert disk_full_message(other, tmp_path) is None


ACTIVITY_HEADER = ["activity_id", "owner_rep_id", "activity_type", "occurred_at", "account_id",
                   "lead_id", "quote_id", "updated_at", "is_deleted"]  # fmt: skip
EXTRA_ROWS = 300_000


def revops_run(landing: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "REVOPS_LANDING": str(landing),
        "REVOPS_WAREHOUSE": str(warehouse),
        "REVOPS_THREADS": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "revops.cli", "run"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        check=False,
        timeout=900,
    )


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.reliability_long
@pytest.mark.timeout(2400)  # four pipeline runs
def test_revops_run_on_a_full_disk_exits_1_and_the_rerun_completes(
    tmp_path: Path, small_company: Path, request
) -> None:
    """`revops run` with the warehouse on a 100 MB tmpfs and its published versions
    (`.published/`, where serving.duckdb and parquet/ link to) on a 64 MB one: ingest fills
    the first, then publish fills the second; each run exits 1 with one line
    naming the disk and leaves the published version as it was; with space freed the run
    completes and every landed row is in raw once."""
    wh_disk = SmallDisk(tmp_path / "disk", "100m")
    if not wh_disk.real:
        pytest.skip(f"{wh_disk.why_not_mounted}; the injected variants in this file ran instead")
    published_disk = SmallDisk(wh_disk.path / "wh" / ".published", "64m")
    try:
        landing = tmp_path / "landing"
        shutil.copytree(small_company, landing)
        warehouse = wh_disk.path / "wh" / "revops.duckdb"
        settings = Settings(landing, warehouse)
        first = revops_run(landing, warehouse)
        assert first.returncode == 0, first.stderr
        before = published_digests(settings)
        rows = [[f"XACT{i:09d}", "R0000", "call", "2024-06-01T10:00:00Z", None, None, None,
                 "2024-06-01T10:00:00Z", "false"] for i in range(EXTRA_ROWS)]  # fmt: skip
        write_csv(landing / "activities" / "2099-extra.csv", ACTIVITY_HEADER, rows)

        wh_disk.fill(1024 * 1024)  # 1 MB free: the lock file and logs fit, the load does not
        ingest = error_line(revops_run(landing, warehouse))
        assert ingest.startswith("error: pipeline failed (run "), ingest
        assert "step raw__activities failed: no space left on device: could not write " in ingest
        assert f"(filesystem {wh_disk.path}: " in ingest
        assert published_digests(settings) == before
        wh_disk.free()

        published_disk.fill(16 * 1024)
        publishing = error_line(revops_run(landing, warehouse))
        assert (
            "step serving__marts failed: serving.publish.PublishError: not published, the "
            "previous version stays: no space left on device: could not write "
            f"{published_disk.path}/"
        ) in publishing
        assert f"(filesystem {published_disk.path}: " in publishing
        assert published_digests(settings) == before
        published_disk.free()

        last = revops_run(landing, warehouse)
        assert last.returncode == 0, last.stderr
        assert published_digests(settings) != before
        assert reconcile(settings) == []
        with duckdb.connect(str(warehouse), read_only=True) as con:
            extra = con.execute(
                "select count(*), count(distinct activity_id) from raw.activities "
                "where activity_id like 'XACT%'"
            ).fetchone()
            statuses = con.execute(
                "select status, count(*) from audit.load_files "
                "where file_name = 'activities/2099-extra.csv' group by all"
            ).fetchall()
        assert extra == (EXTRA_ROWS, EXTRA_ROWS)
        assert statuses == [("loaded", 1)]
    finally:
        published_disk.free()
        published_disk.close()
        wh_disk.free()
        wh_disk.close()
    record(
        request.node.nodeid,
        "`revops run` with the warehouse's disk full during ingest, then the disk of the "
        "published versions full during publish: exit 1, one line naming the disk, published files "
        "byte-identical; the run after space is freed completes and reconciles.",
        {"disk": "tmpfs 100m + 64m", "rows lost": 0, "rows duplicated": 0, "exit codes": "1, 1, 0"},
    )
