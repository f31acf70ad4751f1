"""SQL on a test's warehouse copy: change it on purpose, read what a test expects."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb


def warehouse_copy(warehouse: Path, folder: Path) -> Path:
    """A copy of the warehouse file in `folder/wh/` (same file name, so the staging
    views' catalog name still resolves; no serving files or Data Docs)."""
    copy = folder / "wh" / warehouse.name
    copy.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, copy)
    return copy


def run_sql(path: Path, *statements: str) -> None:
    con = duckdb.connect(str(path))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(path: Path, sql: str, params: list[Any] | None = None) -> Any:
    (row,) = query(path, sql, params)
    return row[0]


def model_changed(relation: str, select: str) -> list[str]:
    """SQL that stands for a changed dbt model: the table `schema.name` (staging models
    are tables) becomes the view `select`, which reads the model as dbt built it under
    `<name>_as_built`."""
    schema, name = relation.split(".")
    return [
        f"alter table {schema}.{name} rename to {name}_as_built",
        f"create view {schema}.{name} as {select}",
    ]
