"""Finding landing files and reading them as text relations with DuckDB's own readers.

Each reader returns the file's column names (as written in the file) and a SQL
relation that yields every column as text, in file order, one row per data row.
Nothing here reads rows in Python: only the CSV header line is parsed in Python
so that the CSV is scanned once, with explicit text columns and no sniffing.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from foundation.contract import ENTITY_BY_NAME, file_format, is_hidden
from foundation.duck import quote_ident, quote_literal

MAX_HEADER_BYTES = 1 << 20


class FileRejected(Exception):
    """A file cannot be loaded; the message names the file and, when known, the line."""


@dataclass(frozen=True)
class LandingFile:
    entity: str
    path: Path
    name: str  # relative to the landing folder, with forward slashes
    format: str


def entity_folders(landing: Path) -> list[str]:
    """Entity folders in the landing folder; other folders (e.g. `_manifest`) are ignored."""
    if not landing.is_dir():
        return []
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name in ENTITY_BY_NAME)


def landing_files(landing: Path, entity: str) -> tuple[list[LandingFile], list[str]]:
    """The entity's files in name order, and the names of files ignored (not a contract format).

    The one listing rule, for the loader and the new-files sensor alike: hidden
    names (`.`, `_`) and folders are skipped; the extension's case does not matter.
    """
    folder = landing / entity
    if not folder.is_dir():
        return [], []
    files: list[LandingFile] = []
    ignored: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if is_hidden(path.name) or not path.is_file():
            continue
        relative = f"{entity}/{path.name}"
        fmt = file_format(path.name)
        if fmt is None:
            ignored.append(relative)
            continue
        files.append(LandingFile(entity, path, relative, fmt))
    return files, ignored


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes, as hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _header_bytes(raw: io.BufferedIOBase) -> bytes:
    """The bytes of the header record: whole lines until its quotes are balanced."""
    data = b""
    while True:
        line = raw.readline(MAX_HEADER_BYTES)
        data += line
        if not line or data.count(b'"') % 2 == 0 or len(data) >= MAX_HEADER_BYTES:
            return data


def _csv_header(file: LandingFile) -> list[str]:
    opener = gzip.open if file.path.name.lower().endswith(".gz") else open
    try:
        with opener(file.path, "rb") as raw:
            text = _header_bytes(raw).decode("utf-8-sig")
        row = next(csv.reader(io.StringIO(text, newline="")), None)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"{file.name}: line 1 (header) is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    except (OSError, EOFError, csv.Error) as exc:
        raise FileRejected(f"{file.name}: line 1 (header) cannot be read: {exc}") from None
    if not row or all(not c.strip() for c in row):
        raise FileRejected(f"{file.name}: line 1: no header row (the file is empty)")
    return [c.strip() for c in row]


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"describe select * from {relation}").fetchall()]


def read_columns(con: duckdb.DuckDBPyConnection, file: LandingFile) -> list[str]:
    """The file's column names as written (stripped)."""
    path = quote_literal(str(file.path))
    if file.format == "csv":
        return _csv_header(file)
    if file.format == "parquet":
        return _describe(con, f"read_parquet({path})")
    # Every row is sampled: a key that first appears late is still a column (drift).
    return _describe(con, f"read_json({path}, format={_json_format(file)}, sample_size=-1)")


def _json_format(file: LandingFile) -> str:
    return "'newline_delimited'" if file.format == "jsonl" else "'array'"


def source_sql(file: LandingFile, columns: list[str]) -> str:
    """A relation yielding every column of the file as text, in file order."""
    path = quote_literal(str(file.path))
    if file.format == "csv":
        spec = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns)
        return (
            f"read_csv({path}, columns={{{spec}}}, header=true, auto_detect=false, "
            "delim=',', quote='\"', escape='\"', strict_mode=true, encoding='utf-8', "
            "null_padding=false)"
        )
    if file.format == "parquet":
        casts = ", ".join(f"cast({quote_ident(c)} as varchar) as {quote_ident(c)}" for c in columns)
        return f"(select {casts} from read_parquet({path}))"
    spec = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns)
    return f"read_json({path}, format={_json_format(file)}, columns={{{spec}}})"
