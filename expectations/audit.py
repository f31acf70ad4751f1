"""`audit.validation_results`: one row per expectation per validation, kept forever.

It is also the history the row-count checks compare with: the `observed_value`
of a suite's `expect_table_row_count_to_be_between` is the table's row count at
that validation (`previous_row_counts`). `serving.publish` reads `severity` and
`success` of a run's rows to decide whether it may publish.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from expectations.results import ExpectationResult, SuiteResult
from expectations.suites import ROW_COUNT_EXPECTATION
from foundation.duck import connect
from foundation.settings import Settings

AUDIT_TABLE = "audit.validation_results"
AUDIT_COLUMNS = {
    "run_id": "varchar not null",
    "suite": "varchar not null",
    "layer": "varchar not null",
    "table_name": "varchar not null",
    "expectation": "varchar not null",
    "column_name": "varchar",
    "description": "varchar",
    "success": "boolean not null",
    "unexpected_count": "bigint",
    "unexpected_sample": "varchar",
    "severity": "varchar not null",
    "validated_at": "timestamptz not null",
    "exception": "varchar",
    "observed_value": "double",
}
# Added after the table's first version: added to an older table on the next write.
_ADDED_COLUMNS = ("observed_value",)


def previous_row_counts(con: duckdb.DuckDBPyConnection, suites: Sequence[str]) -> dict[str, int]:
    """Suite -> the row count its latest earlier validation observed (suites never
    validated, or validated before counts were recorded, are left out)."""
    (has_history,) = con.execute(
        "select count(*) > 0 from information_schema.columns where table_schema = 'audit'"
        " and table_name = 'validation_results' and column_name = 'observed_value'"
    ).fetchone()
    if not suites or not has_history:
        return {}
    rows = con.execute(
        f"""
        select suite, max_by(observed_value, validated_at) as row_count
        from {AUDIT_TABLE}
        where expectation = ? and observed_value is not null and exception is null
            and suite in (select unnest(?::varchar[]))
        group by suite
        """,
        [ROW_COUNT_EXPECTATION, list(suites)],
    ).fetchall()
    return {suite: round(row_count) for suite, row_count in rows}


def record_results(settings: Settings, results: list[SuiteResult], validated_at: datetime) -> None:
    """Append one row per expectation (a skipped suite: one row)."""
    rows = [row for r in results for row in _audit_rows(r, validated_at)]
    con = connect(settings.warehouse, settings)
    try:
        con.execute("create schema if not exists audit")
        columns = ", ".join(f"{name} {type_}" for name, type_ in AUDIT_COLUMNS.items())
        con.execute(f"create table if not exists {AUDIT_TABLE} ({columns})")
        for name in _ADDED_COLUMNS:
            con.execute(
                f"alter table {AUDIT_TABLE} add column if not exists {name} {AUDIT_COLUMNS[name]}"
            )
        if rows:  # one statement: executemany costs a round trip per row
            row = "(" + ", ".join("?" * len(AUDIT_COLUMNS)) + ")"
            con.execute(
                f"insert into {AUDIT_TABLE} ({', '.join(AUDIT_COLUMNS)}) values "
                + ", ".join([row] * len(rows)),
                [value for r in rows for value in r],
            )
    finally:
        con.close()


def _audit_rows(result: SuiteResult, validated_at: datetime) -> list[tuple[Any, ...]]:
    """One row per expectation, in `AUDIT_COLUMNS` order (a skipped suite: one row)."""
    exps = result.expectations or [
        ExpectationResult(
            "suite_skipped", None, result.skipped, success=True, severity=result.severity
        )
    ]
    return [
        (
            result.run_id,
            result.suite,
            result.layer,
            result.table,
            exp.expectation,
            exp.column,
            exp.description,
            exp.success,
            exp.unexpected_count,
            json.dumps(exp.unexpected_sample, default=str) if exp.unexpected_sample else None,
            exp.severity,
            validated_at,
            exp.exception,
            exp.observed_value,
        )
        for exp in exps
    ]
