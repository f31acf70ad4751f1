"""Resources shared by every domain: where the warehouse and the landing folder are, and
the engine dbt builds on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dagster as dg
from pydantic import Field

from foundation.settings import ENGINES, PostgresSettings, Settings, SparkSettings
from orchestration.stop_signals import raise_if_stopped

# Every step that writes the DuckDB file runs in this pool; give it a limit of
# 1 in dagster.yaml (see the README) so that no two such steps overlap even
# under a multiprocess executor.
DUCKDB_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse, the landing folder, DuckDB's limits and the engine.

    The Dagster edge of the settings: `revops run` fills every field from its
    own `Settings`; in the UI, empty fields fall back to REVOPS_WAREHOUSE /
    REVOPS_LANDING / REVOPS_THREADS / REVOPS_MEMORY_LIMIT / REVOPS_ENGINE and the
    engine's variables (PG*, REVOPS_SPARK_*), read here and only here, then to
    the documented defaults. The Postgres password is never a field: it is read
    from PGPASSWORD.
    """

    warehouse_path: str = Field(default="", description="DuckDB warehouse file")
    landing_path: str = Field(default="", description="landing folder")
    threads: int = Field(default=0, description="DuckDB and dbt threads (0: from the environment)")
    memory_limit: str = Field(default="", description="DuckDB memory limit, e.g. 8GB")
    engine: str = Field(
        default="",
        description=f"where dbt builds staging to marts: {', '.join(ENGINES)} "
        "(empty: REVOPS_ENGINE, else duckdb)",
    )
    pg_host: str = Field(default="", description="Postgres host (empty: PGHOST)")
    pg_port: int = Field(default=0, description="Postgres port (0: PGPORT)")
    pg_user: str = Field(default="", description="Postgres user (empty: PGUSER)")
    pg_database: str = Field(default="", description="Postgres database (empty: PGDATABASE)")
    spark_method: str = Field(
        default="", description="session or thrift (empty: REVOPS_SPARK_METHOD)"
    )
    spark_host: str = Field(default="", description="Spark Thrift host (empty: REVOPS_SPARK_HOST)")
    spark_port: int = Field(default=0, description="Spark Thrift port (0: REVOPS_SPARK_PORT)")
    spark_dir: str = Field(
        default="", description="Spark warehouse/metastore folder (empty: REVOPS_SPARK_DIR)"
    )

    def step_settings(self) -> Settings:
        """The settings, for a step about to start: the step is interrupted instead when
        a stop signal arrived in this run (orchestration/stop_signals.py)."""
        raise_if_stopped()
        return self.settings()

    def settings(self) -> Settings:
        defaults = Settings.from_env(
            landing=self.landing_path or None,
            warehouse=self.warehouse_path or None,
            engine=self.engine or None,
        )
        pg, spark = defaults.postgres, defaults.spark
        return replace(
            defaults,
            threads=self.threads or defaults.threads,
            memory_limit=self.memory_limit or defaults.memory_limit,
            postgres=PostgresSettings(
                host=self.pg_host or pg.host,
                port=self.pg_port or pg.port,
                user=self.pg_user or pg.user,
                database=self.pg_database or pg.database,
                password=pg.password,
            ),
            spark=SparkSettings(
                method=self.spark_method or spark.method,
                host=self.spark_host or spark.host,
                port=self.spark_port or spark.port,
                dir=Path(self.spark_dir) if self.spark_dir else spark.dir,
            ),
        )

    @classmethod
    def config_of(cls, settings: Settings) -> dict[str, str | int]:
        """Run config that gives a run exactly these settings (the password stays out)."""
        return {
            "warehouse_path": str(settings.warehouse),
            "landing_path": str(settings.landing),
            "threads": settings.threads,
            "memory_limit": settings.memory_limit,
            "engine": settings.engine,
            "pg_host": settings.postgres.host,
            "pg_port": settings.postgres.port,
            "pg_user": settings.postgres.user,
            "pg_database": settings.postgres.database,
            "spark_method": settings.spark.method,
            "spark_host": settings.spark.host,
            "spark_port": settings.spark.port,
            "spark_dir": str(settings.spark_dir),
        }
