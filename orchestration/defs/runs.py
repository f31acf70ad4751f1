"""Run bookkeeping: failed steps go to the warehouse's audit log."""

import dagster as dg
import duckdb

from foundation.duck import connect
from foundation.settings import Settings

AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.run_failures (
    run_id varchar,
    step_key varchar,
    reason varchar,
    failed_at timestamptz default current_timestamp
);
"""


def write_step_failure(settings: Settings, run_id: str, step_key: str, reason: str) -> None:
    with connect(settings.warehouse, settings) as con:
        con.execute(AUDIT_DDL)
        con.execute(
            "insert into audit.run_failures (run_id, step_key, reason) values (?, ?, ?)",
            [run_id, step_key, reason],
        )


@dg.failure_hook(name="record_step_failure", required_resource_keys={"warehouse"})
def record_step_failure(context: dg.HookContext) -> None:
    """Write the failing step and its reason to audit.run_failures."""
    error = context.op_exception
    reason = f"{type(error).__name__}: {error}" if error else "step failed"
    settings = context.resources.warehouse.settings()
    try:
        write_step_failure(settings, context.run_id, context.step_key, reason[:2000])
    except duckdb.Error as audit_error:  # the failure itself is still reported by Dagster
        context.log.warning(f"could not write audit.run_failures: {audit_error}")
