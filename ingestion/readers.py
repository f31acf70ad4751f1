"""Finding landing files and reading them as text relations with DuckDB's own readers.

Each reader returns the file's column names (as written in the file) and a SQL
relation that yields every column as text, in file order, one row per data row.
Nothing here reads rows in Python: only the CSV header line is parsed in Python
so that the CSV is scanned once, with explicit text columns and no sniffing.

Hostile files are stopped before DuckDB reads them: a file that resolves (through
a symbolic link) outside the landing folder is refused unread, and a `.csv.gz`
that expands more than `MAX_GZIP_EXPANSION` times its size is refused (a
decompression bomb); the contract's limits are in `foundation.contract.files`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from foundation.contract import (
    ENTITY_BY_NAME,
    MAX_CSV_RECORD_BYTES,
    MAX_GZIP_EXPANSION,
    file_format,
    is_hidden,
)
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
    # Why the file is refused without being read (empty: it may be read).
    refusal: str = ""

    @property
    def size(self) -> int:
        """The file's size in bytes; a refused file's link is measured, not its target."""
        return (self.path.lstat() if self.refusal else self.path.stat()).st_size


def entity_folders(landing: Path) -> list[str]:
    """Entity folders in the landing folder; other folders (e.g. `_manifest`) are ignored."""
    if not landing.is_dir():
        return []
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name in ENTITY_BY_NAME)


def landing_files(landing: Path, entity: str) -> tuple[list[LandingFile], list[str]]:
    """The entity's files in name order, and the names of files ignored (not a contract format).

    The one listing rule, for the loader and the new-files sensor alike: hidden
    names (`.`, `_`) and folders are skipped; the extension's case does not matter.
    A name that resolves outside the landing folder (a symbolic link, or an entity
    folder that is one) is listed with its `refusal`, whatever it points to: the
    loader records it as rejected without reading it.
    """
    folder = landing / entity
    if not folder.is_dir():
        return [], []
    root = landing.resolve()
    files: list[LandingFile] = []
    ignored: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if is_hidden(path.name):
            continue
        target = path.resolve()
        outside = not target.is_relative_to(root)
        if not outside and not path.is_file():
            continue
        relative = f"{entity}/{path.name}"
        fmt = file_format(path.name)
        if fmt is None:
            ignored.append(relative)
            continue
        refusal = (
            f"refused unread: it resolves through a symbolic link to {target}, "
            f"outside the landing folder {root}"
            if outside
            else ""
        )
        files.append(LandingFile(entity, path, relative, fmt, refusal))
    return files, ignored


def content_hash(file: LandingFile) -> str:
    """sha256 of the file's bytes, as hex; for a refused file, of its refusal (the file
    itself is never read)."""
    if file.refusal:
        return hashlib.sha256(file.refusal.encode()).hexdigest()
    with file.path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_expansion(file: LandingFile) -> None:
    """Raise FileRejected, naming the file, when it is a `.csv.gz` that expands more than
    `MAX_GZIP_EXPANSION` times its size (decompressed in a stream, up to that limit only)."""
    if not file.path.name.lower().endswith(".gz"):
        return
    size = file.size
    limit = MAX_GZIP_EXPANSION * size
    expanded = 0
    try:
        with gzip.open(file.path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                expanded += len(chunk)
                if expanded > limit:
                    raise FileRejected(
                        f"{file.name}: refused: it expands to more than {MAX_GZIP_EXPANSION} "
                        f"times its {size:,} bytes (over {limit:,} bytes; a decompression "
                        "bomb guard)"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected(f"{file.name}: not a readable gzip file: {exc}") from None


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
    """The file's column names as written (stripped); a refused file is not read."""
    if file.refusal:
        raise FileRejected(f"{file.name}: {file.refusal}")
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
            f"null_padding=false, max_line_size={MAX_CSV_RECORD_BYTES})"
        )
    if file.format == "parquet":
        casts = ", ".join(f"cast({quote_ident(c)} as varchar) as {quote_ident(c)}" for c in columns)
        return f"(select {casts} from read_parquet({path}))"
    spec = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns)
    return f"read_json({path}, format={_json_format(file)}, columns={{{spec}}})"
