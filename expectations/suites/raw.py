"""raw.<entity>: the loaded rows against the contract and `audit.load_files`.

Generated from the contract registry (`foundation.contract`): what the loader
must leave in raw, which dbt cannot see (its sources are read as they are).
"""

from __future__ import annotations

from collections.abc import Sequence

from expectations.suites.spec import Check, SuiteSpec
from expectations.suites.sql import unexpected_rows
from expectations.suites.volumes import quarantined_share_check, row_count_check
from foundation.checks import ERROR
from foundation.contract import ENTITIES, LINEAGE_COLUMNS, Entity
from foundation.duck import quote_literal

# Lineage that must be set on every raw row: where it came from and when it was loaded.
RAW_LINEAGE_NOT_NULL = ("_file_name", "_row_number", "_loaded_at")


def columns_typed_query(columns: Sequence[tuple[str, str]]) -> str:
    """Rows for each expected column that is missing or has another type.

    DuckDB normalises the expected type itself: `typeof(cast(null as decimal(18, 4)))`
    is `DECIMAL(18,4)`, the spelling `describe` reports.
    """
    values = ",\n".join(
        f"        ({quote_literal(name)}, typeof(cast(null as {type_})))" for name, type_ in columns
    )
    return f"""
    with expected (column_name, expected_type) as (
        values
{values}
    ),
    actual as (
        select column_name, column_type as actual_type from (describe {{batch}})
    )
    select expected.column_name, expected.expected_type, actual.actual_type
    from expected
    left join actual on actual.column_name = expected.column_name
    where actual.actual_type is distinct from expected.expected_type
    """


def nulls_query(columns: Sequence[str]) -> str:
    """Rows with a null in any of `columns`: one scan of the table for all of them
    (one GX expectation per column costs a query and GX's own bookkeeping each),
    and each unexpected row says where it came from and which columns are null."""
    named = ",\n".join(
        f"            case when {c} is null then {quote_literal(c)} end" for c in columns
    )
    any_null = "\n        or ".join(f"{c} is null" for c in columns)
    return f"""
    select
        _file_name,
        _row_number,
        concat_ws(
            ', ',
{named}
        ) as null_columns
    from {{batch}}
    where {any_null}
    """


def loaded_rows_query(ent: Entity) -> str:
    """One row when count(*) differs from the rows_loaded of the entity's loaded files."""
    return f"""
    with raw_rows as (
        select count(*) as raw_rows from {{batch}}
    ),
    loaded_rows as (
        select coalesce(sum(rows_loaded), 0) as loaded_rows
        from audit.load_files
        where entity = {quote_literal(ent.name)} and status = 'loaded'
    )
    select raw_rows.raw_rows, loaded_rows.loaded_rows
    from raw_rows
    cross join loaded_rows
    where raw_rows.raw_rows <> loaded_rows.loaded_rows
    """


def raw_suite(ent: Entity) -> SuiteSpec:
    """Columns typed per the contract, lineage present, required and keys not null, the
    row count reconciled with `audit.load_files` (error); the row count against the
    latest earlier validation and the latest batch's quarantined share (warn)."""
    required = [*ent.required_columns, *RAW_LINEAGE_NOT_NULL]
    checks = (
        unexpected_rows(
            columns_typed_query([(c.name, c.duckdb_type) for c in ent.columns]),
            f"every contract column of {ent.name} is present with its contract type",
        ),
        unexpected_rows(
            columns_typed_query(list(LINEAGE_COLUMNS.items())),
            "lineage columns (_file_name, _row_number, _loaded_at, _batch_id) are present",
        ),
        unexpected_rows(
            nulls_query(required),
            f"key and required columns of {ent.name} ({', '.join(ent.required_columns)}) "
            f"and lineage ({', '.join(RAW_LINEAGE_NOT_NULL)}) are not null",
        ),
        unexpected_rows(
            loaded_rows_query(ent),
            f"count(*) of raw.{ent.name} equals the rows_loaded of its loaded files "
            "in audit.load_files",
        ),
    )
    return SuiteSpec(
        name=f"raw.{ent.name}",
        schema="raw",
        table=ent.name,
        checks=(
            *(Check(exp, ERROR) for exp in checks),
            row_count_check(f"raw.{ent.name}"),
            quarantined_share_check(ent),
        ),
        optional=ent.optional,
        description=f"raw.{ent.name} as the loader must leave it (docs/landing-contract.md).",
    )


def raw_suites() -> list[SuiteSpec]:
    return [raw_suite(ent) for ent in ENTITIES]
