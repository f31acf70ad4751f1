"""Run the GX suites against the DuckDB warehouse, record and render the results.

    from expectations.runner import validate, list_suites
    results = validate(settings, layer="marts", run_id="2026-11-23T10:00")
    blocking = [r for r in results if r.blocking]

- The checks run on GX's SQL path (pushed down into DuckDB) through the
  `duckdb` datasource of `expectations/duckdb_datasource.py`, on a read-only
  connection that is closed before `validate` returns.
- An expectation that raises is reported with its exception and counts as
  failed (never as a pass); a failed suite with severity `error` is `blocking`.
- Results are appended to `audit.validation_results` (one row per expectation)
  and rendered as GX Data Docs (HTML) into `data_docs_dir` (default
  `Settings.data_docs_dir`, i.e. `<warehouse dir>/data_docs`; open `index.html`).
  GX's validation results behind the docs are kept in `<data_docs_dir>/.gx_results`
  so that suites validated in separate calls (one Dagster asset check per
  suite) all appear in the index; the newest 5 results per suite are kept.
- GX runs as an ephemeral context built from the committed project
  (`expectations/gx/`): it reads the suites there and never writes into the
  repository.

Speed (validating every layer should cost at most a quarter of `dbt build`):
each view that the chosen suites validate or read is computed once into an
in-memory copy on GX's connection (`DuckDBExecutionEngine.materialize_views`),
with only the columns those suites name; raw tables get one null check per
table, not one per column (GX's own work is about 25 ms per expectation);
results are `BASIC` (unexpected count and a sample, no value counts); the
table assets come with the datasource (one config save, not two per suite);
a suite's Data Docs page is rendered again only when its JSON changed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import great_expectations as gx
import yaml
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
)

from expectations.duckdb_datasource import DuckDBDatasource  # registers type `duckdb`
from expectations.suites import GX_DIR, LAYERS, SUITES_DIR, suite_path
from foundation.duck import connect
from foundation.settings import Settings

__all__ = [
    "AUDIT_TABLE",
    "ExpectationResult",
    "SuiteInfo",
    "SuiteResult",
    "list_suites",
    "suite_reads",
    "validate",
]

log = logging.getLogger(__name__)

AUDIT_TABLE = "audit.validation_results"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STAR = re.compile(r"(?<!count\()\*", re.IGNORECASE)
SAMPLE_SIZE = 5
RESULTS_DIRNAME = ".gx_results"
KEEP_RESULTS_PER_SUITE = 5
DATASOURCE_NAME = "warehouse"
BATCH_DEFINITION = "whole_table"
# BASIC still reports unexpected_count and a sample of SAMPLE_SIZE unexpected values;
# SUMMARY adds value counts and unexpected-index metrics (more queries, more GX graph).
_RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": SAMPLE_SIZE}
_AUDIT_DDL = f"""
create table if not exists {AUDIT_TABLE} (
    run_id varchar not null,
    suite varchar not null,
    layer varchar not null,
    table_name varchar not null,
    expectation varchar not null,
    column_name varchar,
    description varchar,
    success boolean not null,
    unexpected_count bigint,
    unexpected_sample varchar,
    severity varchar not null,
    validated_at timestamptz not null,
    exception varchar
)
"""


class SuiteInfo(NamedTuple):
    """(suite name, schema, table, severity); the layer is the schema."""

    name: str
    schema: str
    table: str
    severity: str

    @property
    def suite(self) -> str:
        return self.name

    @property
    def layer(self) -> str:
        return self.schema


@dataclass(frozen=True)
class ExpectationResult:
    expectation: str
    column: str | None
    description: str | None
    success: bool
    unexpected_count: int | None = None
    unexpected_sample: list[Any] = field(default_factory=list)
    exception: str | None = None
    query: str | None = field(default=None, repr=False)  # of an UnexpectedRowsExpectation

    @property
    def label(self) -> str:
        """`expect_column_values_to_be_unique(invoice_id)`, or a SQL check's description."""
        if self.column:
            return f"{self.expectation}({self.column})"
        return self.description or self.expectation


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    layer: str
    schema: str
    table: str
    severity: str
    success: bool
    run_id: str
    validated_at: datetime
    expectations: list[ExpectationResult]
    skipped: str | None = None

    @property
    def blocking(self) -> bool:
        """A failed `error` suite blocks downstream assets and publishing."""
        return self.severity == "error" and not self.success

    @property
    def failed(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.success]

    @property
    def errors(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if e.exception is not None]

    def message(self) -> str:
        """One line naming the suite and each failing expectation."""
        if self.skipped:
            return f"{self.suite}: skipped ({self.skipped})"
        if self.success:
            return f"{self.suite}: passed {len(self.expectations)} expectations"
        parts = []
        for exp in self.failed:
            if exp.exception is not None:
                parts.append(f"{exp.label} raised: {exp.exception.splitlines()[0][:300]}")
            else:
                sample = json.dumps(exp.unexpected_sample[:3], default=str)
                parts.append(f"{exp.label}: {exp.unexpected_count} unexpected, e.g. {sample}")
        return f"{self.suite} [{self.severity}] failed: " + "; ".join(parts)

    def as_metadata(self) -> dict[str, str | int | float | bool]:
        """Plain values for Dagster metadata."""
        meta: dict[str, str | int | float | bool] = {
            "suite": self.suite,
            "layer": self.layer,
            "table": f"{self.schema}.{self.table}",
            "severity": self.severity,
            "success": bool(self.success),
            "run_id": self.run_id,
            "expectations": len(self.expectations),
            "failed_expectations": len(self.failed),
            "raised_expectations": len(self.errors),
            "unexpected_total": int(sum(e.unexpected_count or 0 for e in self.failed)),
            "message": self.message(),
        }
        if self.skipped:
            meta["skipped"] = self.skipped
        for index, exp in enumerate(self.failed, start=1):
            meta[f"failed {index}: {exp.label}"] = (
                f"raised: {exp.exception}"
                if exp.exception
                else f"{exp.unexpected_count} unexpected"
            )
        return meta


# --------------------------------------------------------------------------- suites


def _suite_files() -> list[Path]:
    return sorted(SUITES_DIR.rglob("*.json"))


def _suites() -> dict[str, dict[str, Any]]:
    """Suite name -> the suite's JSON."""
    suites = {}
    for path in _suite_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        suites[data["name"]] = data
    return suites


def _suite_meta() -> dict[str, dict[str, Any]]:
    return {name: data["meta"] for name, data in _suites().items()}


def _columns_named(suites: Iterable[dict[str, Any]]) -> set[str] | None:
    """Every word the suites' expectations name (their columns, and each identifier of
    their SQL): a superset of the columns they read. None (every column) when a SQL
    check selects `*` (its sample shows every column) or an expectation is about the
    table's columns (`expect_table_column_count_to_equal`, ...)."""
    words: set[str] = set()
    for suite in suites:
        for exp in suite["expectations"]:
            query = exp["kwargs"].get("unexpected_rows_query") or ""
            if _STAR.search(query) or exp["type"].startswith("expect_table_column"):
                return None
            words.update(_IDENTIFIER.findall(json.dumps(exp["kwargs"])))
    return words


def list_suites(layer: str | None = None) -> list[SuiteInfo]:
    """The committed suites, in layer order (raw, staging, marts), then by name."""
    if layer is not None and layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
    infos = [
        SuiteInfo(name, meta["schema"], meta["table"], meta["severity"])
        for name, meta in _suite_meta().items()
        if layer is None or meta["layer"] == layer
    ]
    return sorted(infos, key=lambda i: (LAYERS.index(i.layer), i.name))


def suite_reads(suite: str) -> list[str]:
    """`schema.table` names, other than its own table, that a suite's SQL checks read.

    `raw.invoices` reads `audit.load_files`; `staging.stg_payments` reads
    `staging.stg_invoices`, `staging.stg_accounts` and `audit.flagged`; run the
    check after those (Dagster: `additional_deps`).
    """
    metas = _suite_meta()
    if suite not in metas:
        raise ValueError(f"unknown GX suite {suite!r}")
    return list(metas[suite].get("reads", []))


# --------------------------------------------------------------------------- validate


def validate(
    settings: Settings,
    suites: Sequence[str] | None = None,
    layer: str | None = None,
    *,
    run_id: str,
) -> list[SuiteResult]:
    """Validate the chosen suites (all when neither `suites` nor `layer` is given).

    Returns one `SuiteResult` per suite; never raises for a failing or raising
    expectation (those are results). Raises `ValueError` for an unknown suite name.
    """
    warehouse = settings.warehouse
    docs_dir = settings.data_docs_dir
    chosen = _choose(suites, layer)
    suite_json = _suites()
    validated_at = datetime.now(UTC)
    present = _existing_tables(warehouse, settings)

    results: list[SuiteResult] = []
    with _gx_context(docs_dir) as context:
        datasource = _add_datasource(
            context,
            warehouse,
            settings,
            [i for i in chosen if f"{i.schema}.{i.table}" in present],
        )
        gx_run_id = RunIdentifier(run_name=run_id, run_time=validated_at)
        known_results = set(context.validation_results_store.list_keys())
        try:
            _materialize_views(datasource, chosen, suite_json, present)
            for info in chosen:
                optional = bool(suite_json[info.name]["meta"].get("optional"))
                results.append(
                    _validate_one(context, datasource, info, optional, present, run_id, gx_run_id)
                )
            _build_docs(context, docs_dir, known_results, [i.name for i in chosen])
        finally:
            _close(datasource)

    results = _record(warehouse, settings, results, validated_at)
    for result in results:
        log.log(logging.INFO if result.success else logging.WARNING, result.message())
    return results


def _choose(suites: Sequence[str] | None, layer: str | None) -> list[SuiteInfo]:
    infos = list_suites(layer)
    if suites is None:
        return infos
    by_name = {i.name: i for i in infos}
    unknown = [s for s in suites if s not in by_name]
    if unknown:
        known = ", ".join(by_name)
        raise ValueError(f"unknown GX suite(s) {', '.join(unknown)}; known: {known}")
    return [by_name[s] for s in suites]


def _existing_tables(warehouse: Path, settings: Settings) -> dict[str, str]:
    """`schema.table` -> `BASE TABLE` or `VIEW`, for every relation of the warehouse."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist")
    con = connect(warehouse, settings, read_only=True)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name, table_type from information_schema.tables"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _add_datasource(
    context: AbstractDataContext, warehouse: Path, settings: Settings, infos: list[SuiteInfo]
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
            connection_string=f"duckdb:///{warehouse.resolve()}",
            kwargs={"connect_args": {"read_only": True, "config": settings.duckdb_config()}},
            assets=assets,
        )
    )


def _materialize_views(
    datasource: DuckDBDatasource,
    chosen: Sequence[SuiteInfo],
    suites: dict[str, dict[str, Any]],
    present: dict[str, str],
) -> None:
    """Compute once each view that the chosen suites validate or read (dbt builds
    staging as views; every GX query would recompute the view's dedup window),
    keeping only the columns the suites that read it name."""
    readers: dict[str, list[str]] = {}  # view or table -> the chosen suites that read it
    for info in chosen:
        for name in [f"{info.schema}.{info.table}", *suites[info.name]["meta"].get("reads", [])]:
            readers.setdefault(name, []).append(info.name)
    views = {
        (schema, table): _columns_named(suites[reader] for reader in readers[name])
        for name in sorted(readers)
        if present.get(name) == "VIEW"
        for schema, table in [name.split(".", 1)]
    }
    try:
        copied = datasource.get_execution_engine().materialize_views(views, columns=views)
    except Exception:  # the checks then read the views themselves, only slower
        log.exception("could not materialize the views %s; validating the views", views)
    else:
        log.debug("views computed once for this validation: %s", copied)


@contextmanager
def _gx_context(docs_dir: Path) -> Iterator[AbstractDataContext]:
    """An ephemeral context on the committed project config: suites read from
    `expectations/gx/expectations/`, results and Data Docs written under `docs_dir`,
    validation definitions and checkpoints kept in memory. GX writes nothing into
    the repository (and no `great_expectations.yml` on every asset it adds)."""
    docs_dir = docs_dir.resolve()
    config = yaml.safe_load((GX_DIR / "great_expectations.yml").read_text(encoding="utf-8"))
    for key in ("config_variables_file_path", "plugins_directory"):
        config.pop(key, None)
    stores = config["stores"]
    stores["expectations_store"]["store_backend"]["base_directory"] = str(SUITES_DIR)
    stores["validation_results_store"]["store_backend"]["base_directory"] = str(
        docs_dir / RESULTS_DIRNAME
    )
    for name in ("checkpoint_store", "validation_definition_store"):
        stores[name]["store_backend"] = {"class_name": "InMemoryStoreBackend"}
    config["data_docs_sites"]["local_site"]["store_backend"]["base_directory"] = str(docs_dir)
    yield gx.get_context(mode="ephemeral", project_config=config)


def _validate_one(
    context: AbstractDataContext,
    datasource: DuckDBDatasource,
    info: SuiteInfo,
    optional: bool,
    present: dict[str, str],
    run_id: str,
    gx_run_id: RunIdentifier,
) -> SuiteResult:
    def result(success: bool, expectations: list[ExpectationResult], skipped: str | None = None):
        return SuiteResult(
            suite=info.name,
            layer=info.layer,
            schema=info.schema,
            table=info.table,
            severity=info.severity,
            success=success,
            run_id=run_id,
            validated_at=gx_run_id.run_time,
            expectations=expectations,
            skipped=skipped,
        )

    if f"{info.schema}.{info.table}" not in present:
        if optional:
            return result(True, [], skipped="optional table absent")
        return result(
            False, [_raised("table_exists", f"table {info.schema}.{info.table} is missing")]
        )
    try:
        suite = context.suites.get(info.name)
        batch_definition = datasource.get_asset(info.name).get_batch_definition(BATCH_DEFINITION)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=info.name, data=batch_definition, suite=suite)
        )
        validation = definition.run(result_format=_RESULT_FORMAT, run_id=gx_run_id)
    except Exception as exc:  # a suite that cannot run is an error, never a pass
        log.exception("GX suite %s could not run", info.name)
        return result(False, [_raised("suite", f"{type(exc).__name__}: {exc}")])
    expectations = _expectation_results(validation)
    if len(expectations) != len(suite.expectations):  # GX dropped one: never a silent pass
        expectations.append(
            _raised(
                "suite",
                f"GX returned {len(expectations)} results for "
                f"{len(suite.expectations)} expectations",
            )
        )
    success = bool(expectations) and all(e.success for e in expectations)
    return result(success, expectations)


def _raised(expectation: str, message: str) -> ExpectationResult:
    return ExpectationResult(
        expectation=expectation, column=None, description=None, success=False, exception=message
    )


def _expectation_results(validation: ExpectationSuiteValidationResult) -> list[ExpectationResult]:
    return [_expectation_result(r) for r in validation.results]


def _exception_message(result: ExpectationValidationResult) -> str | None:
    """GX reports an exception either directly or per metric it failed to compute."""
    info = result.exception_info or {}
    candidates = [info] if "raised_exception" in info else list(info.values())
    messages = [
        str(c.get("exception_message") or "exception without message")
        for c in candidates
        if isinstance(c, dict) and c.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) if messages else None


def _plain(value: Any) -> Any:
    """numpy scalars -> int/float, Decimal -> float, dates and others -> str, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy scalar (np.float64 too)
        return _plain(value.item())
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _expectation_result(r: ExpectationValidationResult) -> ExpectationResult:
    config = r.expectation_config
    kwargs = dict(config.kwargs) if config else {}
    column = kwargs.get("column") or (
        ",".join(kwargs["column_list"]) if kwargs.get("column_list") else None
    )
    res = r.result or {}
    exception = _exception_message(r)
    if "unexpected_count" in res and res["unexpected_count"] is not None:
        count: int | None = int(res["unexpected_count"])
    elif config is not None and config.type == "unexpected_rows_expectation":
        observed = res.get("observed_value")
        count = int(observed) if observed is not None else None
    else:
        count = None
    if count is None and r.success and exception is None:
        count = 0  # GX leaves the count out on an empty table
    sample = _plain(list(res.get("partial_unexpected_list") or [])[:SAMPLE_SIZE])
    return ExpectationResult(
        expectation=config.type if config else "unknown",
        column=column,
        description=config.description if config else None,
        success=bool(r.success) and exception is None,
        unexpected_count=count,
        unexpected_sample=sample,
        exception=exception,
        query=kwargs.get("unexpected_rows_query"),
    )


def _build_docs(
    context: AbstractDataContext, docs_dir: Path, known_results: set[Any], suites: list[str]
) -> None:
    """Render the pages of this call's results, the pages of suites whose JSON changed
    since their page was written, then the index of all results."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    new_results = [
        key for key in context.validation_results_store.list_keys() if key not in known_results
    ]
    stale_suites = [
        ExpectationSuiteIdentifier(name=name)
        for name in suites
        if _suite_page_is_stale(docs_dir, name)
    ]
    resources = new_results + stale_suites
    if not resources and (docs_dir / "index.html").exists():
        return  # nothing new (only skipped suites); GX would render every page for []
    try:
        _prune_docs(context, docs_dir)
        context.build_data_docs(resource_identifiers=resources)
    except Exception:  # the docs are a report; a rendering bug must not hide results
        log.exception("GX Data Docs could not be built into %s", docs_dir)


def _suite_page_is_stale(docs_dir: Path, suite: str) -> bool:
    """A suite's page (`expectations/raw/invoices.html`) is missing or older than its JSON."""
    page = docs_dir.joinpath("expectations", *suite.split(".")).with_suffix(".html")
    try:
        return page.stat().st_mtime < suite_path(suite).stat().st_mtime
    except FileNotFoundError:
        return True


def _prune_docs(context: AbstractDataContext, docs_dir: Path) -> None:
    """Keep the newest `KEEP_RESULTS_PER_SUITE` results (JSON and HTML) of each suite;
    `audit.validation_results` keeps the full history."""
    store = context.validation_results_store
    by_suite: dict[str, list[Any]] = {}
    for key in store.list_keys():
        by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
    kept: set[tuple[str, ...]] = set()
    for keys in by_suite.values():
        keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        kept.update(k.to_tuple() for k in keys[:KEEP_RESULTS_PER_SUITE])
        for key in keys[KEEP_RESULTS_PER_SUITE:]:
            store.remove_key(key)
    pages = docs_dir / "validations"
    for page in list(pages.rglob("*.html")):
        relative = page.relative_to(pages)
        if (*relative.parts[:-1], page.stem) not in kept:
            page.unlink()
    for root in (pages, docs_dir / RESULTS_DIRNAME):
        for folder in sorted(root.rglob("*"), key=lambda f: len(f.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _close(datasource: Any) -> None:
    """Close GX's connections so that the next writer can open the warehouse."""
    engine = datasource.execution_engine
    if engine is not None:
        engine.close()
    with suppress(Exception):
        datasource.get_engine().dispose()


# --------------------------------------------------------------------------- audit


def _with_rows_sample(con: Any, result: SuiteResult, exp: ExpectationResult) -> ExpectationResult:
    """An UnexpectedRowsExpectation reports only a count in SUMMARY: fetch a few rows."""
    if exp.success or exp.exception is not None or not exp.query:
        return exp
    query = exp.query.replace("{batch}", f"{result.schema}.{result.table}")
    try:
        cur = con.execute(f"select * from ({query}) as unexpected limit {SAMPLE_SIZE}")
        names = [d[0] for d in cur.description]
        sample = [_plain(dict(zip(names, row, strict=True))) for row in cur.fetchall()]
    except Exception as exc:  # the count stands; only the sample is missing
        sample = [f"sample query failed: {exc}"]
    return replace(exp, unexpected_sample=sample)


def _audit_rows(result: SuiteResult, validated_at: datetime) -> list[tuple[Any, ...]]:
    exps = result.expectations or [
        ExpectationResult("suite_skipped", None, result.skipped, success=True)
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
            result.severity,
            validated_at,
            exp.exception,
        )
        for exp in exps
    ]


def _record(
    warehouse: Path, settings: Settings, results: list[SuiteResult], validated_at: datetime
) -> list[SuiteResult]:
    """Add row samples to failed SQL checks and append everything to the audit table."""
    con = connect(warehouse, settings)
    try:
        results = [
            replace(r, expectations=[_with_rows_sample(con, r, e) for e in r.expectations])
            for r in results
        ]
        rows = [row for r in results for row in _audit_rows(r, validated_at)]
        con.execute("create schema if not exists audit")
        con.execute(_AUDIT_DDL)
        if rows:  # one statement: executemany costs a round trip per row
            row = "(" + ", ".join("?" * len(rows[0])) + ")"
            con.execute(
                f"insert into {AUDIT_TABLE} values " + ", ".join([row] * len(rows)),
                [value for r in rows for value in r],
            )
    finally:
        con.close()
    return results
