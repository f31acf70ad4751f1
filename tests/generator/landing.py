"""Reading a generated landing folder back, for the generator tests: its files, their
rows as text or typed by the contract (DuckDB scans), the latest version of each key,
and the bad-row manifest. Nothing here reads the generator's internals."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from foundation.contract import entity

EXT = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}


def csv_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every CSV file of a landing folder, by path relative to it."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.csv"))
    }


def entity_files(root: Path, name: str) -> list[Path]:
    """The entity's landing files, in name order (the loader's order)."""
    return sorted(p for p in (root / name).iterdir() if p.is_file())


def read_text_table(path: Path, name: str) -> pa.Table:
    """A landing CSV with every column as text (null = empty field)."""
    cols = entity(name).column_names
    opts = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in cols}, strings_can_be_null=True
    )
    return pacsv.read_csv(path, convert_options=opts)


def read_rows(path: Path) -> list[dict]:
    """Data rows of a landing file of any format, 1-based by position."""
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def scan(root: Path, name: str, fmt: str) -> str:
    """A DuckDB scan of one entity's files with the contract's column types."""
    cols = {c.name: c.duckdb_type for c in entity(name).columns}
    glob = f"'{root}/{name}/*.{EXT[fmt]}'"
    if fmt == "csv":
        return f"read_csv({glob}, header = true, columns = {cols!r}, filename = true)"
    if fmt == "jsonl":
        return (
            f"read_json({glob}, format = 'newline_delimited', columns = {cols!r}, filename = true)"
        )
    casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in cols.items())
    return f"(select {casts}, filename from read_parquet({glob}, filename = true))"


def latest(root: Path, name: str, fmt: str = "csv") -> str:
    """Latest version per key (greatest updated_at, then later file), deleted removed."""
    return latest_from(scan(root, name, fmt), name)


def read_manifest(root: Path) -> list[dict]:
    """The bad-row manifest, one dict per bad row."""
    with open(root / "_manifest" / "bad_rows.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def latest_from(table: str, name: str) -> str:
    """Latest version per key of a scan or table with `filename`, deleted removed."""
    key = ", ".join(entity(name).key)
    return f"""(
        select * exclude (rn) from (
            select *, row_number() over (
                partition by {key} order by updated_at desc, filename desc) as rn
            from {table}
        ) where rn = 1 and not coalesce(is_deleted, false)
    )"""
