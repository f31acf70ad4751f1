"""Opening the DuckDB warehouse with the configured threads and memory limit; quoting.

Every path or value that reaches SQL text goes through `quote_ident` or
`quote_literal` (or is a bound parameter).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from foundation.settings import Settings


def connect(
    path: str | Path,
    settings: Settings,
    *,
    read_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open `path` (or `:memory:`) with `settings`' threads and memory limit.

    The parent folder is created for a writer. A `duckdb.IOException` is raised
    when another process holds the write lock; callers turn it into one line.
    """
    config = settings.duckdb_config()
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
