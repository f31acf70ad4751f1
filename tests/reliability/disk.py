"""A small filesystem that tests fill up: a real tmpfs mounted for the test (needs root and
a sandbox that permits `mount`), else fault injection at the loader's and the publisher's
writes, which raise DuckDB's own "No space left on device" error while the disk is "full".
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

import ingestion.loader
import serving.publish


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def mount_tmpfs(path: Path, size: str) -> str:
    """Mount a tmpfs of `size` at `path`; '' when done, else why it could not be."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return "mount needs root, and these tests do not run as root"
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    return "" if done.returncode == 0 else f"mount not permitted in this sandbox: {done.stderr}"


def unmount(path: Path) -> None:
    if _run("umount", str(path)).returncode != 0:
        _run("umount", "-l", str(path))


class SmallDisk:
    """`path` on a small filesystem; `fill(leave)` leaves only `leave` bytes free, `free()`
    frees them again. `mode` says whether it is a real tmpfs or injected faults."""

    def __init__(self, path: Path, size: str) -> None:
        self.path = path
        self.why_not_mounted = mount_tmpfs(path, size)
        self.mode = "tmpfs " + size if not self.why_not_mounted else "injected ENOSPC"
        self.full = False
        self._filler = path / ".filler"

    @property
    def real(self) -> bool:
        return not self.why_not_mounted

    def available(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def fill(self, leave: int) -> None:
        self.full = True
        if self.real:
            with open(self._filler, "wb") as handle:
                os.posix_fallocate(handle.fileno(), 0, max(self.available() - leave, 1))

    def free(self) -> None:
        self.full = False
        self._filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.real:
            unmount(self.path)

    def inject(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without a real small disk: while `full`, the loader's write of a file's audit
        row and the publisher's Parquet copies fail as DuckDB fails on a full disk."""
        if self.real:
            return
        disk = self

        def error(path: Path) -> duckdb.IOException:
            return duckdb.IOException(
                f'IO Error: Could not write file "{path}": No space left on device'
            )

        record = ingestion.loader._record

        def record_unless_full(con, entity, file, *args, **kwargs):
            if disk.full:
                raise error(disk.path / "wh" / "revops.duckdb.wal")
            return record(con, entity, file, *args, **kwargs)

        monkeypatch.setattr(ingestion.loader, "_record", record_unless_full)
        connect = serving.publish.connect

        class FullDiskConnection:
            def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
                self._con = con

            def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
                if disk.full and sql.startswith("copy "):
                    raise error(disk.path / "wh" / "parquet" / "x.parquet.tmp")
                return self._con.execute(sql, *args)

            def __enter__(self) -> FullDiskConnection:
                return self

            def __exit__(self, *exc: object) -> None:
                self._con.close()

        monkeypatch.setattr(
            serving.publish, "connect", lambda *a, **k: FullDiskConnection(connect(*a, **k))
        )
