"""Checks across runs and on distributions: what no single dbt build can see.

- Row count: every validated table's count may not fall below half of the count
  seen by the latest earlier validation of that table. GX's own
  `expect_table_row_count_to_be_between` with `min_value` the suite parameter
  expression `trunc((previous_row_count + 1) / 2)`, half rounded up (GX casts
  `min_value` to an integer, so `previous_row_count / 2` would round 17.5 down
  and let 17 of 35 rows pass); the runner passes `previous_row_count`
  from `audit.validation_results` (the `observed_value` of that expectation in
  the latest earlier validation of the suite; 0 when there is none, so a first
  validation passes) and records this validation's count there.
- Quarantined share: of the rows of an entity's files loaded by the latest batch
  in `audit.load_files`, at most 5% may have been quarantined.

Both warn: a drop or a bad batch may be real; someone should look, nothing stops.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites.spec import Check
from expectations.suites.sql import unexpected_rows
from foundation.checks import WARN
from foundation.contract import Entity
from foundation.duck import quote_literal

PREVIOUS_ROW_COUNT = "previous_row_count"
ROW_COUNT_EXPECTATION = "expect_table_row_count_to_be_between"
QUARANTINED_PCT_MAX = 5


def row_count_check(table: str) -> Check:
    """Warn when `table` has fewer than half the rows of its latest earlier validation."""
    return Check(
        gxe.ExpectTableRowCountToBeBetween(
            min_value={"$PARAMETER": f"trunc(({PREVIOUS_ROW_COUNT} + 1) / 2)"},
            description=f"row count of {table} is at least half the count at its latest "
            "earlier validation",
        ),
        WARN,
    )


def quarantined_share_check(ent: Entity) -> Check:
    """Warn when more than 5% of the rows of the entity's files in the latest batch
    were quarantined (integer arithmetic: exactly 5% passes)."""
    query = f"""
    with this_batch as (
        select max_by(batch_id, loaded_at) as batch_id
        from audit.load_files
    ),
    quarantined as (
        select coalesce(sum(load_files.rows_quarantined), 0) as rows_quarantined
        from audit.load_files as load_files
        inner join this_batch
            on this_batch.batch_id = load_files.batch_id
        where load_files.entity = {quote_literal(ent.name)} and load_files.status = 'loaded'
    ),
    loaded as (
        select count(*) as rows_loaded
        from {{batch}}
        where _batch_id = (select this_batch.batch_id from this_batch)
    )
    select
        this_batch.batch_id,
        loaded.rows_loaded,
        quarantined.rows_quarantined,
        round(
            100.0 * quarantined.rows_quarantined
            / (loaded.rows_loaded + quarantined.rows_quarantined),
            2
        ) as quarantined_pct
    from this_batch
    cross join loaded
    cross join quarantined
    where 100 * quarantined.rows_quarantined
        > {QUARANTINED_PCT_MAX} * (loaded.rows_loaded + quarantined.rows_quarantined)
    """
    return Check(
        unexpected_rows(
            query,
            f"at most {QUARANTINED_PCT_MAX}% of the rows of {ent.name} files in the latest "
            "batch of audit.load_files were quarantined",
        ),
        WARN,
    )
