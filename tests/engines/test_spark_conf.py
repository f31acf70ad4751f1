"""profiles.yml's Spark and Postgres targets, rendered by dbt itself, connect where the
pipeline's own clients connect: the same Spark conf (so that dbt's session and ours share
one warehouse dir and metastore), the same Postgres server and database."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from dbt.config.profile import Profile, read_profile
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context

from foundation.engines.spark_conf import spark_conf
from foundation.settings import PROJECT_ROOT, PostgresSettings, Settings, SparkSettings


def _target(settings: Settings) -> dict[str, Any]:
    """The output dbt renders from profiles.yml for `settings`' target and vars (env_var
    reads os.environ, as in a dbt run)."""
    set_invocation_context(dict(os.environ))
    target, output = Profile.render_profile(
        read_profile(str(PROJECT_ROOT))["revops"],
        "revops",
        settings.dbt_target,
        ProfileRenderer(settings.dbt_vars()),
    )
    assert target == settings.engine
    return output


def test_the_spark_target_has_the_conf_of_the_pipelines_spark_client(tmp_path):
    settings = replace(
        Settings(landing=tmp_path, warehouse=tmp_path / "w.duckdb"),
        engine="spark",
        spark=SparkSettings(method="thrift", host="spark.example", port=10001),
    )
    output = _target(settings)
    assert output["server_side_parameters"] == spark_conf(settings)
    assert spark_conf(settings)["spark.sql.warehouse.dir"] == str(
        tmp_path.resolve() / "spark" / "warehouse"
    )
    assert (output["method"], output["host"], output["port"]) == (
        "thrift",
        "spark.example",
        10001,
    )


def test_the_postgres_target_is_the_server_of_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "s3cret")
    settings = replace(
        Settings(landing=tmp_path, warehouse=tmp_path / "w.duckdb"),
        engine="postgres",
        postgres=PostgresSettings(host="db.example", port=6543, user="etl", database="dw"),
    )
    output = _target(settings)
    assert (output["host"], output["port"], output["user"], output["dbname"]) == (
        "db.example",
        6543,
        "etl",
        "dw",
    )
    assert output["password"] == "s3cret"  # read from PGPASSWORD by the profile itself
