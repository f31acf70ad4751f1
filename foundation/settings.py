"""Run settings: where the landing folder and the warehouse are, DuckDB's limits, and the
engine dbt builds on with its connection.

A `Settings` is built once, at the edge (the `revops` command line, or the
Dagster `WarehouseResource`), and passed down explicitly; nothing below reads
the environment.

| variable | default | meaning |
|---|---|---|
| REVOPS_LANDING | data/landing | landing folder (docs/landing-contract.md layout) |
| REVOPS_WAREHOUSE | warehouse/revops.duckdb | the DuckDB warehouse file |
| REVOPS_THREADS | 2 | DuckDB threads (and dbt threads) |
| REVOPS_MEMORY_LIMIT | 8GB | DuckDB memory limit |
| REVOPS_ENGINE | duckdb | where dbt builds staging to marts: duckdb, postgres or spark |
| PGHOST, PGPORT, PGUSER, PGDATABASE | localhost, 5432, postgres, revops | the Postgres engine |
| PGPASSWORD | (none) | its password: read from the environment only, never put in run config |
| REVOPS_SPARK_METHOD | session | spark: a local SparkSession, or a Thrift server |
| REVOPS_SPARK_HOST, REVOPS_SPARK_PORT | localhost, 10000 | the Thrift server |
| REVOPS_SPARK_DIR | spark/ beside the warehouse | Spark's warehouse dir, Derby metastore, raw |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "warehouse/revops.duckdb"
DEFAULT_THREADS = 2
DEFAULT_MEMORY_LIMIT = "8GB"

# The engines dbt can build on (profiles.yml has a target of each name).
ENGINES = ("duckdb", "postgres", "spark")
DEFAULT_ENGINE = "duckdb"
SPARK_METHODS = ("session", "thrift")


class SettingsError(ValueError):
    """A setting has a value it cannot have (one line, naming the setting)."""


@dataclass(frozen=True)
class PostgresSettings:
    """The Postgres engine's connection; the password comes from PGPASSWORD only."""

    host: str = "localhost"
    port: int = 5432
    user: str = "postgres"
    database: str = "revops"
    password: str = field(default="", repr=False, compare=False)

    @property
    def where(self) -> str:
        """`host:port/database`, for messages and the raw-shipping ledger (no password)."""
        return f"{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class SparkSettings:
    """The Spark engine: a local session (`local[2]`) or a Thrift server, and the folder
    holding Spark's warehouse dir, its Derby metastore and the raw Parquet batches.
    `dir=None` means spark/ beside the DuckDB warehouse."""

    method: str = "session"
    host: str = "localhost"
    port: int = 10000
    dir: Path | None = None

    def __post_init__(self) -> None:
        if self.method not in SPARK_METHODS:
            raise SettingsError(
                f"REVOPS_SPARK_METHOD={self.method!r} is not a Spark method: "
                f"choose {' or '.join(SPARK_METHODS)}"
            )


# The repository root: dbt_project.yml and profiles.yml live here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def check_engine(engine: str) -> str:
    """`engine` when it is one of ENGINES, else a one-line SettingsError."""
    if engine not in ENGINES:
        raise SettingsError(
            f"engine {engine!r} is not one of {', '.join(ENGINES)} (REVOPS_ENGINE or --engine)"
        )
    return engine


def _port(name: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise SettingsError(f"{name}={value!r} is not a port number")
    return port


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    threads: int = DEFAULT_THREADS
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    engine: str = DEFAULT_ENGINE
    postgres: PostgresSettings = PostgresSettings()
    spark: SparkSettings = SparkSettings()

    def __post_init__(self) -> None:
        check_engine(self.engine)

    @classmethod
    def from_env(
        cls,
        landing: str | Path | None = None,
        warehouse: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
        engine: str | None = None,
    ) -> Settings:
        """Explicit arguments win over REVOPS_* (and PG*) variables, which win over defaults.

        Only the edges call this (the command line, the Dagster resource). A value
        that cannot be (an unknown engine, a port that is not a number) raises a
        one-line SettingsError.
        """
        env = os.environ if environ is None else environ
        pg, spark = PostgresSettings(), SparkSettings()
        spark_dir = env.get("REVOPS_SPARK_DIR")
        return cls(
            landing=Path(landing or env.get("REVOPS_LANDING") or DEFAULT_LANDING),
            warehouse=Path(warehouse or env.get("REVOPS_WAREHOUSE") or DEFAULT_WAREHOUSE),
            threads=int(env.get("REVOPS_THREADS") or DEFAULT_THREADS),
            memory_limit=env.get("REVOPS_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
            engine=check_engine(engine or env.get("REVOPS_ENGINE") or DEFAULT_ENGINE),
            postgres=PostgresSettings(
                host=env.get("PGHOST") or pg.host,
                port=_port("PGPORT", env.get("PGPORT") or str(pg.port)),
                user=env.get("PGUSER") or pg.user,
                database=env.get("PGDATABASE") or pg.database,
                password=env.get("PGPASSWORD") or "",
            ),
            spark=SparkSettings(
                method=env.get("REVOPS_SPARK_METHOD") or spark.method,
                host=env.get("REVOPS_SPARK_HOST") or spark.host,
                port=_port("REVOPS_SPARK_PORT", env.get("REVOPS_SPARK_PORT") or str(spark.port)),
                dir=Path(spark_dir) if spark_dir else None,
            ),
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

    @property
    def spark_dir(self) -> Path:
        """Spark's folder: its warehouse dir, Derby metastore and the raw Parquet batches."""
        return self.spark.dir if self.spark.dir is not None else self.warehouse_dir / "spark"

    @property
    def engine_where(self) -> str:
        """The engine and where it is, for messages and the raw-shipping ledger
        (`postgres at host:port/db`, `spark session in DIR`, `spark at host:port`)."""
        if self.engine == "postgres":
            return f"postgres at {self.postgres.where}"
        if self.engine == "spark":
            if self.spark.method == "thrift":
                return f"spark at {self.spark.host}:{self.spark.port}"
            return f"spark session in {self.spark_dir.resolve()}"
        return f"duckdb in {self.warehouse.resolve()}"

    def duckdb_config(self) -> dict[str, int | str]:
        """The DuckDB connection config these settings ask for."""
        return {"threads": self.threads, "memory_limit": self.memory_limit}

    @property
    def dbt_target(self) -> str:
        """The profiles.yml target dbt builds on: the engine's name."""
        return self.engine

    def dbt_vars(self) -> dict[str, str | int]:
        """What dbt's profile needs of these settings, passed as `--vars` (profiles.yml
        reads them, falling back to the REVOPS_* / PG* variables for a hand-run dbt).
        The engine's connection is added for its target; never the password (the
        profile reads PGPASSWORD itself)."""
        values: dict[str, str | int] = {
            "revops_warehouse": str(self.warehouse.resolve()),
            "revops_threads": self.threads,
            "revops_memory_limit": self.memory_limit,
        }
        if self.engine == "postgres":
            values |= {
                "revops_pg_host": self.postgres.host,
                "revops_pg_port": self.postgres.port,
                "revops_pg_user": self.postgres.user,
                "revops_pg_database": self.postgres.database,
            }
        elif self.engine == "spark":
            values |= {
                "revops_spark_method": self.spark.method,
                "revops_spark_host": self.spark.host,
                "revops_spark_port": self.spark.port,
                "revops_spark_dir": str(self.spark_dir.resolve()),
            }
        return values
