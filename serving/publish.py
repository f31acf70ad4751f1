"""Publishing the marts for BI readers.

DuckDB lets one process write a file or several read it, so BI tools never
read the warehouse itself. After the checks pass, the marts are copied into a
new serving database and Parquet files, each written under a temporary name
and swapped in with an atomic rename: a reader that has the old serving file
open keeps reading that version and sees the new one when it reopens.

Every file is written under its temporary name before the first swap, so a
failure while writing (a full disk included: `PublishError` then names the file
and the space left) leaves the previous version whole and no temporary file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from foundation.checks import is_blocking
from foundation.disk import disk_full_message
from foundation.duck import connect, quote_ident, quote_literal
from foundation.settings import Settings

# DuckDB 1.x clients (inside many BI drivers) cannot open files written in the
# 2.x format; the serving file is written in a format DuckDB 1.4+ reads.
SERVING_STORAGE_VERSION = "v1.4.0"
MARTS_SCHEMA = "marts"


class PublishError(RuntimeError):
    """Publishing was refused or failed; the previous version stays in place."""


@dataclass
class PublishResult:
    serving: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, object]:
        return {
            "serving": str(self.serving),
            "parquet_dir": str(self.parquet_dir),
            "tables": len(self.tables),
            **{f"rows.{name}": rows for name, rows in self.tables.items()},
        }


def blocking_failures(settings: Settings, run_id: str) -> list[str]:
    """The check results of this run that block publishing (none: safe to publish)."""
    with connect(settings.warehouse, settings, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'validation_results'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "select table_name, expectation, severity, success from audit.validation_results "
            "where run_id = ? order by table_name, expectation",
            [run_id],
        ).fetchall()
    return [
        f"{table}: {expectation}"
        for table, expectation, severity, success in rows
        if is_blocking(severity, success)
    ]


def publish(settings: Settings, *, run_id: str = "") -> PublishResult:
    """Copy every table of `marts` into serving.duckdb and Parquet, atomically."""
    if run_id and (failures := blocking_failures(settings, run_id)):
        raise PublishError(
            f"not publishing: {len(failures)} blocking check(s) failed: " + "; ".join(failures[:5])
        )
    serving = settings.serving
    parquet_dir = settings.parquet_dir
    parquet_dir.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp-{os.getpid()}"
    tmp_serving = serving.with_name(serving.name + suffix)
    tmp_serving.unlink(missing_ok=True)
    result = PublishResult(serving=serving, parquet_dir=parquet_dir)
    written: list[tuple[Path, Path]] = []
    try:
        with connect(":memory:", settings) as con:
            con.execute(f"attach {quote_literal(str(settings.warehouse))} as warehouse (read_only)")
            tables = [
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = 'warehouse' and table_schema = ? "
                    "and table_type = 'BASE TABLE' order by table_name",
                    [MARTS_SCHEMA],
                ).fetchall()
            ]
            if not tables:
                raise PublishError(f"nothing to publish: schema {MARTS_SCHEMA} has no tables")
            con.execute(
                f"attach {quote_literal(str(tmp_serving))} as serving "
                f"(storage_version {quote_literal(SERVING_STORAGE_VERSION)})"
            )
            con.execute(f"create schema serving.{MARTS_SCHEMA}")
            for table in tables:
                source = quote_ident("warehouse", MARTS_SCHEMA, table)
                target = quote_ident("serving", MARTS_SCHEMA, table)
                con.execute(f"create table {target} as select * from {source}")
                result.tables[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
                final = parquet_dir / f"{table}.parquet"
                tmp = final.with_name(final.name + suffix)
                written.append((tmp, final))  # before the write: a half-written file is removed
                con.execute(
                    f"copy {source} to {quote_literal(str(tmp))} (format parquet, compression zstd)"
                )
            con.execute("detach serving")
            con.execute("detach warehouse")
        os.replace(tmp_serving, serving)
        for tmp, final in written:
            os.replace(tmp, final)
    except BaseException as exc:
        tmp_serving.unlink(missing_ok=True)
        tmp_serving.with_name(tmp_serving.name + ".wal").unlink(missing_ok=True)
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        if (message := disk_full_message(exc, tmp_serving)) is not None:
            raise PublishError(f"not published, the previous version stays: {message}") from None
        raise
    return result
