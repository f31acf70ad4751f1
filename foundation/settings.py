"""Run settings: where the landing folder and the warehouse are, and DuckDB's limits.

A `Settings` is built once, at the edge (the `revops` command line, or the
Dagster `WarehouseResource`), and passed down explicitly; nothing below reads
the environment.

| variable | default | meaning |
|---|---|---|
| REVOPS_LANDING | data/landing | landing folder (docs/landing-contract.md layout) |
| REVOPS_WAREHOUSE | warehouse/revops.duckdb | the DuckDB warehouse file |
| REVOPS_THREADS | 2 | DuckDB threads (and dbt threads) |
| REVOPS_MEMORY_LIMIT | 8GB | DuckDB memory limit |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "warehouse/revops.duckdb"
DEFAULT_THREADS = 2
DEFAULT_MEMORY_LIMIT = "8GB"

# The repository root: dbt_project.yml and profiles.yml live here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    threads: int = DEFAULT_THREADS
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    @classmethod
    def from_env(
        cls,
        landing: str | Path | None = None,
        warehouse: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Explicit arguments win over REVOPS_* variables, which win over defaults.

        Only the edges call this (the command line, the Dagster resource).
        """
        env = os.environ if environ is None else environ
        return cls(
            landing=Path(landing or env.get("REVOPS_LANDING") or DEFAULT_LANDING),
            warehouse=Path(warehouse or env.get("REVOPS_WAREHOUSE") or DEFAULT_WAREHOUSE),
            threads=int(env.get("REVOPS_THREADS") or DEFAULT_THREADS),
            memory_limit=env.get("REVOPS_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
        )

    @property
    def warehouse_dir(self) -> Path:
        return self.warehouse.parent

    @property
    def serving(self) -> Path:
        """Read-only copy of the marts for BI readers (swapped in atomically)."""
        return self.warehouse_dir / "serving.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.warehouse_dir / "parquet"

    @property
    def data_docs_dir(self) -> Path:
        """GX Data Docs (HTML) of the latest validation."""
        return self.warehouse_dir / "data_docs"

    @property
    def report_dir(self) -> Path:
        """The revenue report (index.html) drawn from the serving marts."""
        return self.warehouse_dir / "report"

    def duckdb_config(self) -> dict[str, int | str]:
        """The DuckDB connection config these settings ask for."""
        return {"threads": self.threads, "memory_limit": self.memory_limit}

    def dbt_vars(self) -> dict[str, str | int]:
        """What dbt's profile needs of these settings, passed as `--vars` (profiles.yml
        reads them, falling back to the REVOPS_* variables for a hand-run dbt)."""
        return {
            "revops_warehouse": str(self.warehouse.resolve()),
            "revops_threads": self.threads,
            "revops_memory_limit": self.memory_limit,
        }
