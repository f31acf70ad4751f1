"""Resources shared by every domain: where the warehouse and the landing folder are."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from foundation.settings import Settings

# Every step that writes the DuckDB file runs in this pool; give it a limit of
# 1 in dagster.yaml (see the README) so that no two such steps overlap even
# under a multiprocess executor.
DUCKDB_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse, the landing folder and DuckDB's limits.

    The Dagster edge of the settings: `revops run` fills every field from its
    own `Settings`; in the UI, empty fields fall back to REVOPS_WAREHOUSE /
    REVOPS_LANDING / REVOPS_THREADS / REVOPS_MEMORY_LIMIT, read here and only
    here, then to the documented defaults.
    """

    warehouse_path: str = Field(default="", description="DuckDB warehouse file")
    landing_path: str = Field(default="", description="landing folder")
    threads: int = Field(default=0, description="DuckDB and dbt threads (0: from the environment)")
    memory_limit: str = Field(default="", description="DuckDB memory limit, e.g. 8GB")

    def settings(self) -> Settings:
        defaults = Settings.from_env(
            landing=self.landing_path or None,
            warehouse=self.warehouse_path or None,
        )
        return Settings(
            landing=defaults.landing,
            warehouse=defaults.warehouse,
            threads=self.threads or defaults.threads,
            memory_limit=self.memory_limit or defaults.memory_limit,
        )

    @classmethod
    def config_of(cls, settings: Settings) -> dict[str, str | int]:
        """Run config that gives a run exactly these settings."""
        return {
            "warehouse_path": str(settings.warehouse),
            "landing_path": str(settings.landing),
            "threads": settings.threads,
            "memory_limit": settings.memory_limit,
        }


# Transient errors worth another try: DuckDB's file lock held by a reader
# that is about to let go, a landing file still being copied.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)
