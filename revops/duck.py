"""Opening the DuckDB warehouse with the configured threads and memory limit."""

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
    settings = settings or Settings.from_env()
    config = {"threads": settings.threads, "memory_limit": settings.memory_limit}
    if str(path) == ":memory:":
        return duckdb.connect(":memory:", config=config)
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=config)
