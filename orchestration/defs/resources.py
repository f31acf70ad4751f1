"""Resources shared by every domain: where the warehouse and the landing folder are."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from revops.settings import Settings

# Every step that writes the DuckDB file runs in this pool; give it a limit of
# 1 in dagster.yaml (see the README) so that no two such steps overlap even
# under a multiprocess executor.
DUCKDB_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse and the landing folder.

    Empty fields fall back to REVOPS_WAREHOUSE / REVOPS_LANDING / REVOPS_THREADS /
    REVOPS_MEMORY_LIMIT, read when a run starts, then to the documented defaults.
    """

    warehouse_path: str = Field(default="", description="DuckDB warehouse file")
    landing_path: str = Field(default="", description="landing folder")

    def settings(self) -> Settings:
        return Settings.from_env(
            landing=self.landing_path or None,
            warehouse=self.warehouse_path or None,
        )


# Transient errors worth another try: DuckDB's file lock held by a reader
# that is about to let go, a landing file still being copied.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)
