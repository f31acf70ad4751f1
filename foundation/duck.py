"""Opening the DuckDB warehouse with the configured threads and memory limit; quoting.

Every path or value that reaches SQL text goes through `quote_ident` or
`quote_literal` (or is a bound parameter).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from foundation.settings import Settings

WAREHOUSE_MODE = 0o600  # owner read and write: the warehouse file


def connect(
    path: str | Path,
    settings: Settings,
    *,
    read_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open `path` (or `:memory:`) with `settings`' threads and memory limit.

    The parent folder is created for a writer, and the file is made readable by
    its owner only (mode 0600: the warehouse holds personal data in raw and
    staging; BI readers read the published copy). A `duckdb.IOException` is
    raised when another process holds the write lock; callers turn it into one line.
    """
    config = settings.duckdb_config()
    if str(path) == ":memory:":
        return duckdb.connect(":memory:", config=config)
    path = Path(path)
    if read_only:
        return duckdb.connect(str(path), read_only=True, config=config)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config=config)
    if path.stat().st_mode & 0o777 != WAREHOUSE_MODE:
        path.chmod(WAREHOUSE_MODE)
    return con


def quote_ident(*parts: str) -> str:
    """A DuckDB identifier in double quotes; several parts are joined with dots."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def quote_literal(value: str) -> str:
    """A DuckDB string literal in single quotes."""
    return "'" + value.replace("'", "''") + "'"
