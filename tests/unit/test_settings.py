import json
from dataclasses import replace
from pathlib import Path

import pytest

from foundation.settings import (
    DEFAULT_LANDING,
    DEFAULT_WAREHOUSE,
    PostgresSettings,
    Settings,
    SettingsError,
)


def test_defaults_when_nothing_is_set(monkeypatch):
    for name in ("REVOPS_LANDING", "REVOPS_WAREHOUSE", "REVOPS_THREADS", "REVOPS_MEMORY_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.landing == Path(DEFAULT_LANDING)
    assert settings.warehouse == Path(DEFAULT_WAREHOUSE)
    assert settings.serving == Path("warehouse/serving.duckdb")
    assert settings.parquet_dir == Path("warehouse/parquet")


def test_environment_overrides_defaults_and_arguments_override_environment(monkeypatch):
    monkeypatch.setenv("REVOPS_LANDING", "/exports")
    monkeypatch.setenv("REVOPS_WAREHOUSE", "/dw/main.duckdb")
    monkeypatch.setenv("REVOPS_THREADS", "4")
    from_env = Settings.from_env()
    assert from_env.landing == Path("/exports")
    assert from_env.warehouse == Path("/dw/main.duckdb")
    assert from_env.threads == 4
    assert from_env.serving == Path("/dw/serving.duckdb")
    explicit = Settings.from_env(landing="here", warehouse="there/w.duckdb")
    assert explicit.landing == Path("here")
    assert explicit.warehouse == Path("there/w.duckdb")
    assert explicit.threads == 4
    assert explicit.dbt_vars()["revops_threads"] == 4


def test_an_explicit_environment_is_read_instead_of_the_process_environment():
    settings = Settings.from_env(environ={"REVOPS_WAREHOUSE": "/x/w.duckdb", "REVOPS_THREADS": "3"})
    assert settings.warehouse == Path("/x/w.duckdb")
    assert settings.threads == 3
    assert settings.landing == Path(DEFAULT_LANDING)


def test_the_engine_and_its_connection_come_from_the_environment():
    settings = Settings.from_env(
        environ={
            "REVOPS_ENGINE": "postgres",
            "PGHOST": "db.internal",
            "PGPORT": "6543",
            "PGUSER": "etl",
            "PGPASSWORD": "s3cret",
            "PGDATABASE": "dw",
            "REVOPS_SPARK_METHOD": "thrift",
            "REVOPS_SPARK_PORT": "10001",
            "REVOPS_SPARK_DIR": "/data/spark",
        }
    )
    assert settings.engine == "postgres"
    assert settings.engine_where == "postgres at db.internal:6543/dw"
    assert (settings.postgres.user, settings.postgres.password) == ("etl", "s3cret")
    assert (settings.spark.method, settings.spark.port) == ("thrift", 10001)
    assert settings.spark_dir == Path("/data/spark")
    # An explicit engine (the --engine option) wins over REVOPS_ENGINE.
    assert (
        Settings.from_env(engine="spark", environ={"REVOPS_ENGINE": "postgres"}).engine == "spark"
    )


def test_engine_defaults_duckdb_localhost_and_spark_beside_the_warehouse():
    settings = Settings.from_env(environ={"REVOPS_WAREHOUSE": "/dw/revops.duckdb"})
    assert settings.engine == "duckdb"
    assert settings.postgres.where == "localhost:5432/revops"
    assert settings.postgres.user == "postgres"
    assert (settings.spark.method, settings.spark.host, settings.spark.port) == (
        "session",
        "localhost",
        10000,
    )
    assert settings.spark_dir == Path("/dw/spark")


def test_a_setting_that_cannot_be_is_one_line_naming_it():
    with pytest.raises(
        SettingsError, match=r"^engine 'mysql' is not one of duckdb, postgres, spark"
    ):
        Settings.from_env(environ={"REVOPS_ENGINE": "mysql"})
    with pytest.raises(SettingsError, match=r"^PGPORT='fifty' is not a port number$"):
        Settings.from_env(environ={"PGPORT": "fifty"})
    with pytest.raises(SettingsError, match=r"^REVOPS_SPARK_METHOD='odbc' is not a Spark method"):
        Settings.from_env(environ={"REVOPS_SPARK_METHOD": "odbc"})


def test_the_password_is_never_shown_nor_handed_to_dbt():
    settings = Settings.from_env(environ={"REVOPS_ENGINE": "postgres", "PGPASSWORD": "s3cret"})
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in json.dumps(settings.dbt_vars())


def test_dbt_vars_carry_the_engines_connection_only_for_that_engine(tmp_path):
    base = Settings(landing=tmp_path, warehouse=tmp_path / "w.duckdb")
    assert set(base.dbt_vars()) == {"revops_warehouse", "revops_threads", "revops_memory_limit"}
    postgres = replace(base, engine="postgres", postgres=PostgresSettings(host="h", port=1))
    assert {k: v for k, v in postgres.dbt_vars().items() if k.startswith("revops_pg")} == {
        "revops_pg_host": "h",
        "revops_pg_port": 1,
        "revops_pg_user": "postgres",
        "revops_pg_database": "revops",
    }
    spark = replace(base, engine="spark")
    assert spark.dbt_vars()["revops_spark_dir"] == str(tmp_path.resolve() / "spark")
    assert spark.dbt_vars()["revops_spark_method"] == "session"
