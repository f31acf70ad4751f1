"""Rules that keep dbt_project/ buildable on DuckDB, Postgres and Spark, checked on
the files (the builds on each engine are the end-to-end proof; these name the
rule a change breaks before an engine does)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).parents[2] / "dbt_project"
# Postgres truncates nothing: a relation name over 63 bytes is an error, and a
# unit test's fixture relation is named after the test.
POSTGRES_MAX_IDENTIFIER = 63
# Contract data types every engine reads: DuckDB and Postgres as written,
# Spark through spark__cast (text -> string, double precision -> double).
PORTABLE_DATA_TYPE = re.compile(
    r"text|double precision|bigint|integer|boolean|date|timestamp|decimal\(\d+,\s?\d+\)"
)


def _yaml_files(pattern: str) -> list[Path]:
    return sorted(PROJECT.rglob(pattern))


def test_unit_test_names_fit_a_postgres_identifier() -> None:
    long_names = [
        f"{path.relative_to(PROJECT)}: {test['name']} ({len(test['name'])} characters)"
        for path in _yaml_files("_*__unit_tests.yml")
        for test in yaml.safe_load(path.read_text())["unit_tests"]
        if len(test["name"]) > POSTGRES_MAX_IDENTIFIER
    ]
    assert not long_names, f"over {POSTGRES_MAX_IDENTIFIER} characters: {long_names}"


def test_contract_data_types_are_portable_names() -> None:
    other_types = [
        f"{path.relative_to(PROJECT)}: {model['name']}.{column['name']} {column['data_type']}"
        for path in _yaml_files("_*__models.yml")
        for model in yaml.safe_load(path.read_text()).get("models", [])
        for column in model.get("columns", [])
        if "data_type" in column and not PORTABLE_DATA_TYPE.fullmatch(column["data_type"])
    ]
    assert not other_types, f"not one of the portable contract types: {other_types}"


def test_no_sql_branches_on_the_engine() -> None:
    """Engine differences go through adapter.dispatch macros, never `target.type`."""
    branching = [
        f"{path.relative_to(PROJECT)}:{number}"
        for path in sorted(PROJECT.rglob("*.sql"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "target.type" in line
    ]
    assert not branching, f"branches on target.type: {branching}"
