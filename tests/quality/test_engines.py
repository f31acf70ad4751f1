"""The same GX suites on DuckDB, Postgres and Spark (issue 18): GX's own datasource for
each engine (expectations/datasources.py), the same results, failures that fail.

The flawed company (2% bad rows, so that rows are quarantined and excluded)
runs through the real pipeline into DuckDB; its raw, staging, intermediate and
marts tables are copied into a real Postgres cluster and a real local Spark catalog,
as if dbt had built them there. Staging and marts validate on the engine, raw
always in the DuckDB file; every result is recorded in DuckDB's audit table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from expectations.catalogue import committed_suites
from expectations.runner import SuiteResult, validate
from foundation.engines.local_postgres import free_port
from foundation.settings import PostgresSettings, Settings
from tests.engines.servers import spark_settings
from tests.quality.engine_servers import (
    PostgresServer,
    copy_to_postgres,
    copy_to_spark,
    open_spark,
    start_postgres,
    stop_spark,
)
from tests.quality.warehouse_sql import query, run_sql, scalar, warehouse_copy

ENGINE_LAYERS = ("staging", "marts")
PASSWORD = "gx-Pass/word:marker"  # trust auth: sent to Postgres, never checked
LOST_PAYMENT = "every payment_id of stg_payments is in fct_payments or in int_records_excluded"
LOST_USAGE = (
    "every (account_id, product_id, month) of stg_product_usage is in fct_product_usage "
    "or in int_records_excluded"
)


def _relations() -> list[str]:
    """Every table the staging and marts suites validate or read."""
    names: set[str] = set()
    for name, suite in committed_suites().items():
        if suite["meta"]["layer"] in ENGINE_LAYERS:
            names |= {name, *suite["meta"]["reads"]}
    return sorted(names)


@pytest.fixture(scope="module")
def company(pipeline_warehouse: Path) -> Path:
    """The pipeline's DuckDB warehouse of the flawed company (tests/conftest.py; never
    changed: copy it)."""
    return pipeline_warehouse


@pytest.fixture(scope="module")
def postgres(company: Path) -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        copy_to_postgres(company, server, _relations())
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def spark(company: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """A local SparkSession on a fresh Spark folder holding the copied tables; GX finds it
    open (the session dbt-spark would leave) and leaves it open."""
    spark_dir = tmp_path_factory.mktemp("spark")
    session = open_spark(spark_settings(Settings(company.parent, company), spark_dir))
    try:
        copy_to_spark(company, session, _relations(), spark_dir / "copied")
        yield session, spark_dir
    finally:
        stop_spark(session)


@pytest.fixture
def duck(company: Path, tmp_path: Path) -> Settings:
    """Settings of a fresh copy of the company's warehouse (the audit of every engine)."""
    return Settings(landing=company.parent, warehouse=warehouse_copy(company, tmp_path))


def _outcomes(results: list[SuiteResult]) -> list[tuple[Any, ...]]:
    return [
        (r.suite, e.label, e.success, e.unexpected_count, e.observed_value, e.exception)
        for r in results
        for e in r.expectations
    ]


def _by_suite(results: list[SuiteResult]) -> dict[str, SuiteResult]:
    return {r.suite: r for r in results}


def _engine_results(settings: Settings, run_id: str) -> list[SuiteResult]:
    return [r for layer in ENGINE_LAYERS for r in validate(settings, layer=layer, run_id=run_id)]


def test_postgres_and_spark_give_duckdbs_results_expectation_by_expectation(
    duck: Settings,
    postgres: PostgresServer,
    spark: tuple[Any, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    on_duckdb = _engine_results(duck, "duckdb")
    with caplog.at_level(logging.DEBUG):
        on_postgres = _engine_results(postgres.settings(duck, PASSWORD), "postgres")
    on_spark = _engine_results(spark_settings(duck, spark[1]), "spark")

    # the clean warehouse passes everywhere, with no expectation raising
    assert [r.message() for r in on_duckdb if not r.success] == []
    assert len(_outcomes(on_duckdb)) == sum(
        len(s["expectations"])
        for s in committed_suites().values()
        if s["meta"]["layer"] in ENGINE_LAYERS
    )
    assert _outcomes(on_postgres) == _outcomes(on_duckdb)
    assert _outcomes(on_spark) == _outcomes(on_duckdb)
    # each row count is the table's count(*), read on the engine
    payments = scalar(duck.warehouse, "select count(*) from marts.fct_payments")
    assert ("marts.fct_payments", payments) in {
        (r.suite, e.observed_value) for r in on_spark for e in r.expectations
    }
    # every result is recorded in DuckDB's audit, whatever the engine
    recorded = query(
        duck.warehouse,
        "select run_id, count(*), count(*) filter (where success)"
        " from audit.validation_results where run_id in ('duckdb', 'postgres', 'spark')"
        " group by run_id order by run_id",
    )
    expectations = len(_outcomes(on_duckdb))
    assert recorded == [
        (run, expectations, expectations) for run in ("duckdb", "postgres", "spark")
    ]
    _assert_password_nowhere(duck, on_postgres, caplog.text)


def _assert_password_nowhere(settings: Settings, results: list[SuiteResult], logs: str) -> None:
    """The Postgres password is in no log line, result, audit row or Data Docs file."""
    assert PASSWORD not in logs
    assert not any(PASSWORD in str(e) for r in results for e in r.expectations)
    audit = query(settings.warehouse, "select * from audit.validation_results")
    assert audit and not any(PASSWORD in str(row) for row in audit)
    docs = [p for p in settings.data_docs_dir.rglob("*") if p.is_file()]
    assert docs and not any(PASSWORD in p.read_text(errors="replace") for p in docs)


def _break(settings: Settings) -> tuple[str, tuple[str, str, str]]:
    """Delete one fct_payments row and one fct_product_usage row (both staged, neither
    excluded: they are in the clean facts) from the DuckDB copy; returns their keys."""
    wh = settings.warehouse
    payment = scalar(wh, "select min(payment_id) from marts.fct_payments")
    usage = query(
        wh,
        "select account_id, product_id, month from marts.fct_product_usage order by all limit 1",
    )[0]
    run_sql(
        wh,
        f"delete from marts.fct_payments where payment_id = '{payment}'",
        f"delete from marts.fct_product_usage where account_id = '{usage[0]}'"
        f" and product_id = '{usage[1]}' and month = '{usage[2]}'",
    )
    return payment, (usage[0], usage[1], str(usage[2]))


def _assert_lost_rows_found(results: list[SuiteResult], payment: str, usage: tuple) -> None:
    """One lost row each: the 'nothing lost' check fails with that row as its sample; the
    other checks of the two suites pass (the row counts: n - 1 >= ceil(n / 2))."""
    by_suite = _by_suite(results)
    payments, usages = by_suite["marts.fct_payments"], by_suite["marts.fct_product_usage"]
    assert payments.blocking and usages.blocking
    assert [(e.label, e.unexpected_count, e.exception) for e in payments.failed] == [
        (f"{LOST_PAYMENT} (nothing lost)", 1, None)
    ]
    assert payments.failed[0].unexpected_sample == [{"payment_id": payment}]
    assert [(e.label, e.unexpected_count, e.exception) for e in usages.failed] == [
        (f"{LOST_USAGE} (nothing lost)", 1, None)
    ]
    account_id, product_id, month = usage
    assert usages.failed[0].unexpected_sample == [
        {"account_id": account_id, "product_id": product_id, "month": month}
    ]


def test_a_lost_fact_row_fails_the_same_check_with_the_same_sample_on_every_engine(
    duck: Settings,
    postgres: PostgresServer,
    spark: tuple[Any, Path],
    company: Path,
    tmp_path: Path,
) -> None:
    session, spark_dir = spark
    # The rows are lost in a second copy, whose two facts the engines take; the DuckDB
    # file that the engines' validations open (`duck`: the audit) still has them, so a
    # sample of the lost rows can only have been read on the engine.
    lost = Settings(landing=company.parent, warehouse=warehouse_copy(company, tmp_path / "lost"))
    payment, usage = _break(lost)
    facts = ["marts.fct_payments", "marts.fct_product_usage"]
    try:
        postgres.execute("drop table " + ", ".join(facts))
        copy_to_postgres(lost.warehouse, postgres, facts)
        for relation in facts:
            session.sql(f"drop table {relation}")
        copy_to_spark(lost.warehouse, session, facts, spark_dir / "lost")

        for settings in (lost, postgres.settings(duck), spark_settings(duck, spark_dir)):
            results = validate(settings, suites=facts, run_id=f"lost-{settings.engine}")
            _assert_lost_rows_found(results, payment, usage)
    finally:  # the module's engines hold the clean tables again
        postgres.execute("drop table " + ", ".join(facts))
        copy_to_postgres(company, postgres, facts)
        for relation in facts:
            session.sql(f"drop table {relation}")
        copy_to_spark(company, session, facts, spark_dir / "restored")


def test_a_check_that_raises_on_the_engine_fails_and_blocks(
    duck: Settings, postgres: PostgresServer, spark: tuple[Any, Path], company: Path
) -> None:
    session, spark_dir = spark
    excluded = "intermediate.int_records_excluded"
    postgres.execute(f"alter table {excluded} rename to int_records_excluded_hidden")
    session.sql(f"alter table {excluded} rename to int_records_excluded_hidden")
    try:
        for settings in (postgres.settings(duck), spark_settings(duck, spark_dir)):
            (result,) = validate(settings, suites=["marts.fct_payments"], run_id="raises")
            # both reconciliations read int_records_excluded: both raised, neither passed
            assert result.blocking and not result.success, settings.engine
            assert [e.label for e in result.errors] == [
                f"{LOST_PAYMENT} (nothing lost)",
                "every payment_id of fct_payments is in stg_payments and not in "
                "int_records_excluded (nothing invented)",
            ]
            assert all("int_records_excluded" in e.exception for e in result.errors)
            (row_count,) = [e for e in result.expectations if e.exception is None]
            assert row_count.success
    finally:
        postgres.execute(f"alter table {excluded}_hidden rename to int_records_excluded")
        session.sql(f"alter table {excluded}_hidden rename to int_records_excluded")


def test_raw_validates_in_duckdb_and_an_unreachable_engine_fails_its_layers(
    duck: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = replace(
        duck,
        engine="postgres",
        postgres=PostgresSettings(host="127.0.0.1", port=free_port(), password=PASSWORD),
    )
    raw = validate(duck, layer="raw", run_id="raw-duckdb")

    # raw reads the DuckDB file (raw and audit.load_files are there) on every engine
    assert _outcomes(validate(nowhere, layer="raw", run_id="raw-postgres")) == _outcomes(raw)
    # staging and marts need the engine: none answers, so every suite fails, never passes
    with caplog.at_level(logging.INFO):
        staging = validate(nowhere, layer="staging", run_id="no-engine")
    assert staging and all(r.blocking or r.severity == "warn" for r in staging)
    assert all(not r.success for r in staging)
    for result in staging:
        (failed,) = result.expectations
        assert failed.exception is not None
        assert f"postgres at 127.0.0.1:{nowhere.postgres.port}/revops" in failed.exception
    _assert_password_nowhere(duck, staging, caplog.text)
