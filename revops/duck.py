"""Opening the DuckDB warehouse with the configured threads and memory limit; quoting."""

from __future__ import annotations

from pathlib import Path

import duckdb

from revops.settings import Settings


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    settings: Settings | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open `path`; the parent folder is created for a writer.

    A clear `duckdb.IOException` is raised when another process holds the
    write lock; callers turn it into a one-line message.
    """
    config = (settings or Settings.from_env()).duckdb_config()
    if str(path) == ":memory:":
        return duckdb.connect(":memory:", config=config)
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=config)


def quote_ident(*parts: str) -> str:
    """A DuckDB identifier in double quotes; several parts are joined with dots."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def quote_literal(value: str) -> str:
    """A DuckDB string literal in single quotes."""
    return "'" + value.replace("'", "''") + "'"
