"""Landing files: which names are contract files, and what the loader adds to raw."""

from __future__ import annotations

# Landing file name endings, lower case; `.csv.gz` is a gzipped CSV.
FORMAT_BY_EXTENSION: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".json": "json",
}
FILE_EXTENSIONS: tuple[str, ...] = tuple(FORMAT_BY_EXTENSION)

# Limits that keep a hostile landing file from hurting the loader (docs/landing-contract.md,
# "Limits"): a CSV record (a line, or several when a quoted field holds newlines) longer
# than this rejects its file, naming the line.
MAX_CSV_RECORD_BYTES = 16 * 1024 * 1024
# A `.csv.gz` that expands to more than this many times its own size is refused unread by
# DuckDB (a decompression bomb); real CSV exports compress 3 to 20 times.
MAX_GZIP_EXPANSION = 100
# JSON nested deeper than this rejects its file (DuckDB's JSON reader's own limit).
MAX_JSON_DEPTH = 128
# Dates and timestamps (in UTC) outside these years are `out_of_range`: every tool that
# reads the warehouse (Python, pandas, Parquet readers, BI drivers) can hold them.
MIN_YEAR = 1
MAX_YEAR = 9999


def years_text() -> str:
    """The dates a `date` or `timestamp` value may hold, as the contract and messages say it."""
    return f"between {MIN_YEAR:04d}-01-01 and {MAX_YEAR:04d}-12-31 (in UTC)"


# Columns the loader adds to every raw row.
LINEAGE_COLUMNS: dict[str, str] = {
    "_file_name": "varchar",
    "_row_number": "bigint",
    "_loaded_at": "timestamptz",
    "_batch_id": "varchar",
}

# `audit.load_files.status` values.
FILE_LOADED = "loaded"
FILE_REJECTED = "rejected"
FILE_STATUSES: tuple[str, ...] = (FILE_LOADED, FILE_REJECTED)


def file_format(name: str) -> str | None:
    """The contract format of a landing file name (`csv`, `parquet`, `jsonl`, `json`), or None.

    Case does not matter (`INVOICES.CSV` is a CSV file).
    """
    lower = name.lower()
    for extension in sorted(FORMAT_BY_EXTENSION, key=len, reverse=True):
        if lower.endswith(extension):
            return FORMAT_BY_EXTENSION[extension]
    return None


def is_hidden(name: str) -> bool:
    """Files and folders starting with `.` or `_` are not landing data (`_manifest`)."""
    return name.startswith((".", "_"))
