"""Scanning what the pipeline publishes for personal data: e-mail-like strings in every
table of serving.duckdb, every Parquet file and the report page.

The report inlines the plotly.js library, whose licence comments credit its
authors by e-mail; that text is the library's, not data, and is left out
(exactly `plotly.offline.get_plotlyjs()`). The charts' CSV downloads are base64
data: URIs and are decoded before the scan.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import duckdb

# something@domain.tld: the shape of an e-mail address (the same in Python and DuckDB).
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
DATA_URI = re.compile(r"data:text/csv;base64,([A-Za-z0-9+/=]+)")


def _string_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(f"describe select * from {relation}").fetchall()
        if row[1] == "VARCHAR"
    ]


def _matches(con: duckdb.DuckDBPyConnection, relation: str, where: str) -> list[str]:
    found = []
    for column in _string_columns(con, relation):
        rows = con.execute(
            f'select count(*), min("{column}") from {relation} where regexp_matches("{column}", ?)',
            [EMAIL.pattern],
        ).fetchone()
        if rows[0]:
            found.append(f"{where} column {column}: {rows[0]} value(s), e.g. {rows[1]!r}")
    return found


def emails_in_database(path: Path) -> list[str]:
    """E-mail-like values in any string column of any table of a DuckDB file."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by all"
        ).fetchall()
        return [
            hit
            for schema, table in tables
            for hit in _matches(con, f'"{schema}"."{table}"', f"{path.name} {schema}.{table}")
        ]


def emails_in_parquet(folder: Path) -> list[str]:
    with duckdb.connect() as con:
        return [
            hit
            for path in sorted(folder.glob("*.parquet"))
            for hit in _matches(con, f"read_parquet('{path}')", path.name)
        ]


def emails_in_page(path: Path) -> list[str]:
    """E-mail-like strings in the report's text and in its decoded CSV downloads."""
    from plotly.offline import get_plotlyjs

    text = path.read_text(encoding="utf-8").replace(get_plotlyjs(), "")
    texts = [("page", text)] + [
        (f"csv download {n}", base64.b64decode(match).decode("utf-8"))
        for n, match in enumerate(DATA_URI.findall(text), start=1)
    ]
    return [
        f"{path.name} {where}: {hit.group(0)!r}" for where, t in texts for hit in EMAIL.finditer(t)
    ]


def published_files(warehouse_dir: Path) -> dict[str, list[Path]]:
    """Every file a run publishes for readers, by kind."""
    parquet = Path(os.path.realpath(warehouse_dir / "parquet"))
    return {
        "serving": [warehouse_dir / "serving.duckdb"],
        "parquet": sorted(parquet.glob("*.parquet")),
        "report": [warehouse_dir / "report" / "index.html"],
    }


def emails_published(warehouse_dir: Path) -> list[str]:
    """Every e-mail-like string in what a run published."""
    return [
        *emails_in_database(warehouse_dir / "serving.duckdb"),
        *emails_in_parquet(warehouse_dir / "parquet"),
        *emails_in_page(warehouse_dir / "report" / "index.html"),
    ]
