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
