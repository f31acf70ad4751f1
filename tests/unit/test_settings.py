from pathlib import Path

from foundation.settings import DEFAULT_LANDING, DEFAULT_WAREHOUSE, Settings


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
