"""Running the chosen suites on the warehouse: one read-only `duckdb` datasource, the
views copied once, one GX validation per suite -> `SuiteResult`s.

- The checks run on GX's SQL path (pushed down into DuckDB) through the `duckdb`
  datasource of `expectations/duckdb_datasource.py`, on a read-only connection
  closed before `run_suites` returns.
- An expectation that raises, or a suite that cannot run, is a failed result with
  its exception: never a pass.
- Each suite runs with the suite parameter `previous_row_count` (its row-count
  check's history, `audit.previous_row_counts`; 0 without history).

Speed: each view that the chosen suites validate or read is computed once into
an in-memory copy on GX's connection (`DuckDBExecutionEngine.materialize_views`),
with only the columns those suites name; results are `BASIC` (unexpected count
and a sample, no value counts); the table assets come with the datasource (one
config save, not two per suite).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext

from expectations.audit import previous_row_counts
from expectations.catalogue import SuiteInfo, columns_named
from expectations.duckdb_datasource import (  # registers type `duckdb`
    DuckDBDatasource,
    duckdb_url,
)
from expectations.results import (
    SAMPLE_SIZE,
    ExpectationResult,
    SuiteResult,
    expectation_results,
    raised,
)
from expectations.suites import PREVIOUS_ROW_COUNT
from foundation.duck import connect
from foundation.settings import Settings

log = logging.getLogger(__name__)

DATASOURCE_NAME = "warehouse"
BATCH_DEFINITION = "whole_table"
# BASIC still reports unexpected_count and a sample of SAMPLE_SIZE unexpected values;
# SUMMARY adds value counts and unexpected-index metrics (more queries, more GX graph).
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": SAMPLE_SIZE}


@dataclass(frozen=True)
class WarehouseState:
    """What the warehouse holds before GX opens it."""

    relations: dict[str, str]  # `schema.table` -> `BASE TABLE` or `VIEW`
    previous_row_counts: dict[str, int]  # suite -> its table's count at the last validation


@dataclass(frozen=True)
class SuiteRun:
    """One validation call: the GX context and datasource, and what it stamps results with."""

    context: AbstractDataContext
    datasource: DuckDBDatasource
    state: WarehouseState
    run_id: str
    gx_run_id: RunIdentifier


def read_warehouse_state(settings: Settings, suites: Sequence[str]) -> WarehouseState:
    """The warehouse's relations and the suites' row-count history (one read-only
    connection, closed before GX opens the file)."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(f"warehouse {settings.warehouse} does not exist")
    con = connect(settings.warehouse, settings, read_only=True)
    try:
        relations = con.execute(
            "select table_schema || '.' || table_name, table_type from information_schema.tables"
        ).fetchall()
        return WarehouseState(dict(relations), previous_row_counts(con, suites))
    finally:
        con.close()


def run_suites(
    context: AbstractDataContext,
    settings: Settings,
    chosen: Sequence[SuiteInfo],
    suites_by_name: dict[str, dict[str, Any]],
    state: WarehouseState,
    *,
    run_id: str,
    validated_at: datetime,
) -> list[SuiteResult]:
    """Validate each chosen suite, in order; GX's connections are closed on return."""
    present = [info for info in chosen if info.relation in state.relations]
    datasource = open_datasource(context, settings, present)
    run = SuiteRun(
        context, datasource, state, run_id, RunIdentifier(run_name=run_id, run_time=validated_at)
    )
    try:
        copy_views(datasource, chosen, suites_by_name, state.relations)
        return [
            validate_suite(
                run, info, optional=bool(suites_by_name[info.name]["meta"].get("optional"))
            )
            for info in chosen
        ]
    finally:
        close_datasource(datasource)


def open_datasource(
    context: AbstractDataContext, settings: Settings, infos: Sequence[SuiteInfo]
) -> DuckDBDatasource:
    """The read-only `duckdb` datasource with one whole-table asset per suite.

    The assets come with the datasource: GX saves its (in-memory) project config
    once, instead of once per asset and once per batch definition. `infos` are
    tables that exist (the datasource's connection test checks only that); a
    table that cannot be read fails its own suite's expectations.
    """
    assets = [
        {
            "name": info.name,
            "type": "table",
            "table_name": info.table,
            "schema_name": info.schema,
            "batch_definitions": [{"name": BATCH_DEFINITION, "partitioner": None}],
        }
        for info in infos
    ]
    return context.data_sources.add_duckdb(
        DuckDBDatasource(
            name=DATASOURCE_NAME,
            connection_string=duckdb_url(settings.warehouse),
            kwargs={"connect_args": {"read_only": True, "config": settings.duckdb_config()}},
            assets=assets,
        )
    )


def copy_views(
    datasource: DuckDBDatasource,
    chosen: Sequence[SuiteInfo],
    suites_by_name: dict[str, dict[str, Any]],
    relations: dict[str, str],
) -> None:
    """Compute once each view that the chosen suites validate or read (dbt builds
    staging as views; every GX query would recompute the view's dedup window),
    keeping only the columns the suites that read it name."""
    readers: dict[str, list[str]] = {}  # view or table -> the chosen suites that read it
    for info in chosen:
        for name in [info.relation, *suites_by_name[info.name]["meta"].get("reads", [])]:
            readers.setdefault(name, []).append(info.name)
    views = {
        (schema, table): columns_named(suites_by_name[reader] for reader in readers[name])
        for name in sorted(readers)
        if relations.get(name) == "VIEW"
        for schema, table in [name.split(".", 1)]
    }
    try:
        copied = datasource.get_execution_engine().materialize_views(views, columns=views)
    except Exception:  # the checks then read the views themselves, only slower
        log.exception("could not materialize the views %s; validating the views", views)
    else:
        log.debug("views computed once for this validation: %s", copied)


def validate_suite(run: SuiteRun, info: SuiteInfo, *, optional: bool) -> SuiteResult:
    """One suite's result; a missing table fails (an optional one is skipped)."""
    if info.relation not in run.state.relations:
        if optional:
            return _suite_result(run, info, [], skipped="optional table absent")
        missing = raised("table_exists", f"table {info.relation} is missing", info.severity)
        return _suite_result(run, info, [missing])
    try:
        suite = run.context.suites.get(info.name)
        batch = run.datasource.get_asset(info.name).get_batch_definition(BATCH_DEFINITION)
        definition = run.context.validation_definitions.add(
            gx.ValidationDefinition(name=info.name, data=batch, suite=suite)
        )
        validation = definition.run(
            expectation_parameters={
                PREVIOUS_ROW_COUNT: run.state.previous_row_counts.get(info.name, 0)
            },
            result_format=RESULT_FORMAT,
            run_id=run.gx_run_id,
        )
    except Exception as exc:  # a suite that cannot run is an error, never a pass
        log.exception("GX suite %s could not run", info.name)
        failed = raised("suite", f"{type(exc).__name__}: {exc}", info.severity)
        return _suite_result(run, info, [failed])
    expectations = expectation_results(validation)
    if len(expectations) != len(suite.expectations):  # GX dropped one: never a silent pass
        message = (
            f"GX returned {len(expectations)} results for {len(suite.expectations)} expectations"
        )
        expectations.append(raised("suite", message, info.severity))
    return _suite_result(run, info, expectations)


def _suite_result(
    run: SuiteRun,
    info: SuiteInfo,
    expectations: list[ExpectationResult],
    skipped: str | None = None,
) -> SuiteResult:
    passed = bool(expectations) and all(e.success for e in expectations)
    return SuiteResult(
        suite=info.name,
        layer=info.layer,
        schema=info.schema,
        table=info.table,
        severity=info.severity,
        success=skipped is not None or passed,
        run_id=run.run_id,
        validated_at=run.gx_run_id.run_time,
        expectations=expectations,
        skipped=skipped,
    )


def close_datasource(datasource: Any) -> None:
    """Close GX's connections so that the next writer can open the warehouse."""
    engine = datasource.execution_engine
    if engine is not None:
        engine.close()
    with suppress(Exception):
        datasource.get_engine().dispose()
