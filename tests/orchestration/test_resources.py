"""The Dagster edge of the settings: a run's resource config gives it exactly the settings of
`revops run`, the engine included; the password never goes into run config."""

from __future__ import annotations

from pathlib import Path

from foundation.settings import PostgresSettings, Settings, SparkSettings
from orchestration.defs.resources import WarehouseResource


def test_run_config_gives_a_run_exactly_the_settings_of_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "s3cret")
    settings = Settings(
        landing=tmp_path / "landing",
        warehouse=tmp_path / "wh" / "w.duckdb",
        threads=3,
        memory_limit="1GB",
        engine="postgres",
        postgres=PostgresSettings(host="db", port=6543, user="etl", database="dw"),
        spark=SparkSettings(method="thrift", host="spark", port=10001, dir=tmp_path / "s"),
    )
    config = WarehouseResource.config_of(settings)
    assert "s3cret" not in repr(config)
    assert not any("password" in key for key in config)
    again = WarehouseResource(**config).settings()
    assert again == settings
    assert again.postgres.password == "s3cret"  # from PGPASSWORD, in the run's process


def test_empty_fields_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("REVOPS_ENGINE", "spark")
    monkeypatch.setenv("REVOPS_SPARK_DIR", "/data/spark")
    monkeypatch.setenv("PGHOST", "pg.example")
    settings = WarehouseResource().settings()
    assert settings.engine == "spark"
    assert settings.spark_dir == Path("/data/spark")
    assert settings.postgres.host == "pg.example"
    # A run started from the UI picks its engine by the resource's config.
    assert WarehouseResource(engine="postgres").settings().engine == "postgres"
