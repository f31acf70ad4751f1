"""Running the chosen suites: each layer on its engine (`datasources.engine_of`), one
GX datasource per engine, views computed once, one GX validation per suite ->
`SuiteResult`s.

- The checks run on GX's SQL path pushed down into the engine (DuckDB, Postgres) or
  on GX's Spark path (`spark.sql` on the session); every connection, session or cache
  a source opened is released before `run_suites` returns.
- An expectation that raises, a suite that cannot run, or an engine that cannot be
  reached is a failed result with its exception: never a pass.
- A failed SQL check's sample is its query's first rows, read on the same engine
  while its datasource is open.
- Each suite runs with the suite parameter `previous_row_count` (its row-count
  check's history, `audit.previous_row_counts`; 0 without history).

Speed (DuckDB): each view that the chosen suites validate or read is computed once
into an in-memory copy on GX's connection (`DuckDBExecutionEngine.materialize_views`),
with only the columns those suites name; results are `BASIC` (unexpected count and a
sample, no value counts); the table assets come with the datasource (one config save,
not two per suite).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext

from expectations.audit import previous_row_counts
from expectations.catalogue import SuiteInfo, columns_named
from expectations.datasources import BATCH_DEFINITION, Source, engine_of, open_source
from expectations.results import (
    SAMPLE_SIZE,
    ExpectationResult,
    SuiteResult,
    expectation_results,
    plain,
    raised,
)
from expectations.suites import PREVIOUS_ROW_COUNT
from foundation.duck import connect
from foundation.settings import Settings

log = logging.getLogger(__name__)

# BASIC still reports unexpected_count and a sample of SAMPLE_SIZE unexpected values;
# SUMMARY adds value counts and unexpected-index metrics (more queries, more GX graph).
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": SAMPLE_SIZE}


@dataclass(frozen=True)
class SuiteRun:
    """The suites of one engine in one validation call: the GX context, the engine's
    source and what it holds, and what results are stamped with."""

    context: AbstractDataContext
    source: Source | None  # None when the engine could not be opened
    relations: dict[str, str]  # `schema.table` -> `BASE TABLE` or `VIEW`, on the engine
    previous_row_counts: dict[str, int]  # suite -> its table's count at the last validation
    run_id: str
    gx_run_id: RunIdentifier


def read_row_count_history(settings: Settings, suites: Sequence[str]) -> dict[str, int]:
    """The suites' row-count history from the DuckDB warehouse (one read-only
    connection, closed before GX opens the file)."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(f"warehouse {settings.warehouse} does not exist")
    con = connect(settings.warehouse, settings, read_only=True)
    try:
        return previous_row_counts(con, suites)
    finally:
        con.close()


def run_suites(
    context: AbstractDataContext,
    settings: Settings,
    chosen: Sequence[SuiteInfo],
    suites_by_name: dict[str, dict[str, Any]],
    history: dict[str, int],
    *,
    run_id: str,
    validated_at: datetime,
) -> list[SuiteResult]:
    """Validate each chosen suite on its layer's engine; results in `chosen` order."""
    gx_run_id = RunIdentifier(run_name=run_id, run_time=validated_at)
    by_engine: dict[str, list[SuiteInfo]] = {}
    for info in chosen:
        by_engine.setdefault(engine_of(info.layer, settings), []).append(info)
    results: dict[str, SuiteResult] = {}
    for engine, infos in by_engine.items():
        source: Source | None = None
        try:
            source = open_source(settings, engine)
            relations = source.relations()
            source.open(context, [info for info in infos if info.relation in relations])
            copy_views(source, infos, suites_by_name, relations)
        except Exception as exc:  # an engine that cannot be reached fails its suites
            log.exception("GX could not open the %s engine", engine)
            unopened = SuiteRun(context, source, {}, history, run_id, gx_run_id)
            failed = f"{type(exc).__name__}: {exc}"
            for info in infos:
                results[info.name] = _suite_result(
                    unopened, info, [raised("suite", failed, info.severity)]
                )
        else:
            run = SuiteRun(context, source, relations, history, run_id, gx_run_id)
            for info in infos:
                optional = bool(suites_by_name[info.name]["meta"].get("optional"))
                results[info.name] = validate_suite(run, info, optional=optional)
        finally:
            if source is not None:
                source.close()
    return [results[info.name] for info in chosen]


def copy_views(
    source: Source,
    chosen: Sequence[SuiteInfo],
    suites_by_name: dict[str, dict[str, Any]],
    relations: dict[str, str],
) -> None:
    """Compute once each view that the chosen suites validate or read (the marts'
    suites read intermediate models that dbt builds as views; every GX query would
    recompute the view), keeping only the columns the suites that read it name."""
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
        copied = source.compute_views(views)
    except Exception:  # the checks then read the views themselves, only slower
        log.exception("could not materialize the views %s; validating the views", views)
    else:
        log.debug("views computed once for this validation: %s", copied)


def validate_suite(run: SuiteRun, info: SuiteInfo, *, optional: bool) -> SuiteResult:
    """One suite's result; a missing table fails (an optional one is skipped)."""
    if info.relation not in run.relations:
        if optional:
            return _suite_result(run, info, [], skipped="optional table absent")
        missing = raised("table_exists", f"table {info.relation} is missing", info.severity)
        return _suite_result(run, info, [missing])
    source = run.source
    assert source is not None, "validate_suite needs an open source"
    try:
        suite = run.context.suites.get(info.name)
        batch = source.datasource.get_asset(info.name).get_batch_definition(BATCH_DEFINITION)
        definition = run.context.validation_definitions.add(
            gx.ValidationDefinition(name=info.name, data=batch, suite=suite)
        )
        validation = definition.run(
            batch_parameters=source.batch_parameters(info),
            expectation_parameters={PREVIOUS_ROW_COUNT: run.previous_row_counts.get(info.name, 0)},
            result_format=RESULT_FORMAT,
            run_id=run.gx_run_id,
        )
    except Exception as exc:  # a suite that cannot run is an error, never a pass
        log.exception("GX suite %s could not run", info.name)
        failed = raised("suite", f"{type(exc).__name__}: {exc}", info.severity)
        return _suite_result(run, info, [failed])
    expectations = [_with_rows_sample(source, info, e) for e in expectation_results(validation)]
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


def _with_rows_sample(source: Source, info: SuiteInfo, exp: ExpectationResult) -> ExpectationResult:
    """An UnexpectedRowsExpectation reports only a count in BASIC: read a few of its rows
    on the engine it ran on."""
    if exp.success or exp.exception is not None or not exp.query:
        return exp
    try:
        rows = source.rows(exp.query.replace("{batch}", info.relation), SAMPLE_SIZE)
        sample = [plain(row) for row in rows]
    except Exception as exc:  # the count stands; only the sample is missing
        sample = [f"sample query failed: {exc}"]
    return replace(exp, unexpected_sample=sample)
