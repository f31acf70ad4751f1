"""Write `raw.<entity>` tables in the loader's shape, straight from Python rows.

The dbt tests use this instead of the loader so that they test the dbt models
alone: each table has the contract columns typed per `foundation/contract/`
plus the lineage columns `_file_name`, `_row_number`, `_loaded_at`, `_batch_id`,
and rows are appended like the loader appends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from foundation.contract import ENTITIES, LINEAGE_COLUMNS, entity


def create_raw_tables(warehouse: Path) -> None:
    """Create every `raw.<entity>` table (empty) if it does not exist."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists raw")
        for ent in ENTITIES:
            cols = [f"{c.name} {c.duckdb_type}" for c in ent.columns]
            cols += [f"{name} {type_}" for name, type_ in LINEAGE_COLUMNS.items()]
            con.execute(f"create table if not exists raw.{ent.name} ({', '.join(cols)})")
    finally:
        con.close()


def append_file(
    warehouse: Path,
    entity_name: str,
    file_name: str,
    rows: Sequence[Mapping[str, Any]],
    loaded_at: datetime,
    batch_id: str = "batch",
) -> None:
    """Append `rows` as if the loader had read them from `<entity>/<file_name>`.

    Missing columns are null; `_row_number` is the 1-based position in `rows`.
    """
    ent = entity(entity_name)
    create_raw_tables(warehouse)
    names = list(ent.column_names)
    for row in rows:
        unknown = set(row) - set(names)
        if unknown:
            raise KeyError(f"{entity_name}: unknown columns {sorted(unknown)}")
    con = duckdb.connect(str(warehouse))
    try:
        placeholders = ", ".join(
            [f"cast(? as {c.duckdb_type})" for c in ent.columns] + ["?", "?", "?", "?"]
        )
        cols = ", ".join(names + list(LINEAGE_COLUMNS))
        for number, row in enumerate(rows, start=1):
            values = [row.get(name) for name in names]
            values += [f"{entity_name}/{file_name}", number, loaded_at, batch_id]
            con.execute(f"insert into raw.{entity_name} ({cols}) values ({placeholders})", values)
    finally:
        con.close()
