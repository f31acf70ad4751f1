"""A BI reader of the published files, as the reliability tests run it beside `revops run`.

    python -m tests.reliability.reader <warehouse dir> <stop file> <out.json> [interval] [serving]

polls until the stop file exists, then writes what it saw to out.json: how many
reads, every error, every mixed read, and the versions it saw in order (with
`serving` it reads serving.duckdb only, as most BI tools do).

One read is consistent when it holds one complete version (serving/publish.py):

- serving: `serving.duckdb` opened by its public path, in one connection:
  `publication.marts` names one version and lists exactly the tables of the
  `marts` schema, and each table's count(*) equals its listed row_count;
- Parquet: the `parquet` link resolved once, as a careful reader does, to a
  version's folder: its files are exactly the tables listed by the serving file
  of the same folder, each names that version in its key-value metadata and
  holds the listed number of rows. (Both links go through `.published/current`,
  so this is also the serving file readers saw at that instant.)

A read that finds nothing published yet (no serving.duckdb) is counted, not an
error: the first run of an empty warehouse has not published.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

NOTHING = "(nothing published)"


@dataclass
class Read:
    version: str
    counts: dict[str, int] = field(default_factory=dict)
    mixes: list[str] = field(default_factory=list)


def _serving_version(path: Path) -> Read:
    """The version a serving file holds, with every inconsistency inside it."""
    with duckdb.connect(str(path), read_only=True) as con:
        stamp = con.execute(
            "select table_name, row_count, version from publication.marts order by table_name"
        ).fetchall()
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        counted = {}
        if tables:
            union = " union all ".join(
                f"select '{name}', count(*) from marts.\"{name}\"" for name in sorted(tables)
            )
            counted = dict(con.execute(union).fetchall())
    versions = {version for _, _, version in stamp}
    read = Read(next(iter(versions)) if len(versions) == 1 else "?")
    read.counts = {name: rows for name, rows, _ in stamp}
    if len(versions) != 1:
        read.mixes.append(f"{path}: publication.marts names versions {sorted(versions)}")
    if set(read.counts) != tables:
        read.mixes.append(f"{path}: tables {sorted(tables)} but stamp {sorted(read.counts)}")
    wrong = {n: (c, read.counts.get(n)) for n, c in counted.items() if read.counts.get(n) != c}
    if wrong:
        read.mixes.append(f"{path}: count(*) differs from the stamp: {wrong}")
    return read


def _parquet_mixes(folder: Path, serving: Read) -> list[str]:
    """How the Parquet files of `folder` differ from the serving read's version."""
    mixes = []
    names = sorted(p.stem for p in folder.glob("*.parquet"))
    if names != sorted(serving.counts):
        mixes.append(f"{folder}: files {names} but serving tables {sorted(serving.counts)}")
    for name in names:
        path = str(folder / f"{name}.parquet")
        kv = dict(
            duckdb.sql(
                f"select key::varchar, value::varchar from parquet_kv_metadata('{path}')"
            ).fetchall()
        )
        rows = duckdb.sql(f"select num_rows from parquet_file_metadata('{path}')").fetchall()
        version = kv.get("revops_version")
        if version != serving.version or rows[0][0] != serving.counts.get(name):
            mixes.append(
                f"{path}: version {version} rows {rows[0][0]}, serving has "
                f"{serving.version} rows {serving.counts.get(name)}"
            )
    return mixes


def read_once(warehouse_dir: Path, serving_only: bool = False) -> Read:
    """One read of the published files (raises what a reader would meet)."""
    serving_path = warehouse_dir / "serving.duckdb"
    if not serving_path.exists():
        return Read(NOTHING)
    read = _serving_version(serving_path)
    if serving_only:
        return read
    # The Parquet folder through its public link, resolved once: its files against the
    # serving file of the same folder (.published/<version>/).
    parquet = Path(os.path.realpath(warehouse_dir / "parquet"))
    beside = _serving_version(parquet.parent / "serving.duckdb")
    read.mixes += beside.mixes + _parquet_mixes(parquet, beside)
    return read


def poll(
    warehouse_dir: Path, stop: Path, interval: float, serving_only: bool = False
) -> dict[str, object]:
    reads, errors, mixes, versions = 0, [], [], []
    counts: dict[str, dict[str, int]] = {}
    while not stop.exists():
        try:
            read = read_once(warehouse_dir, serving_only)
        except Exception as error:
            errors.append(f"{time.time():.3f} {type(error).__name__}: {error}")
        else:
            reads += 1
            mixes += read.mixes
            if not versions or versions[-1] != read.version:
                versions.append(read.version)
            counts.setdefault(read.version, read.counts)
        time.sleep(interval)
    return {
        "reads": reads,
        "errors": errors,
        "mixes": mixes,
        "versions": versions,
        "counts": counts,
    }


if __name__ == "__main__":
    folder, stop_file, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    serving_only = sys.argv[5:6] == ["serving"]
    Path(out).write_text(json.dumps(poll(folder, stop_file, interval, serving_only)))
