"""The Dagster job on Postgres: the run config's engine reaches the dbt step, which ships
the loaded raw batches to Postgres and builds there (`dbt build --target postgres`).

The staging models stand for the dbt project here, with what their dbt tests read
(audit.flagged and the intermediate models it is built from): they read only the
shipped raw tables. The GX checks are left out: they read the DuckDB warehouse.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from foundation.contract import ENTITIES
from foundation.engines import open_engine
from orchestration.dbt.project import prepare_manifest
from orchestration.defs.resources import WarehouseResource
from orchestration.run import DBT_STEPS
from tests.engines.conftest import base_settings

pytestmark = pytest.mark.slow


def test_the_pipeline_job_ships_raw_and_builds_staging_on_postgres(
    postgres_server, small_company: Path, tmp_path: Path
):
    settings = replace(postgres_server.settings(base_settings(tmp_path)), landing=small_company)
    prepare_manifest(settings)
    from orchestration.definitions import defs

    with open_engine(settings) as engine:
        for schema in ("raw", "staging"):
            engine.execute(f"drop schema if exists {schema} cascade")
    graph = defs.resolve_asset_graph()
    staging = dg.AssetSelection.groups("staging").resolve(graph)
    gx = [key for key in graph.asset_check_keys if key.name.startswith("gx_")]
    selected = (
        dg.AssetSelection.groups("staging") | dg.AssetSelection.groups("audit")
    ).upstream() - dg.AssetSelection.checks(*gx)
    job_defs = dg.Definitions.merge(
        defs, dg.Definitions(jobs=[dg.define_asset_job("on_postgres", selection=selected)])
    )
    result = job_defs.resolve_job_def("on_postgres").execute_in_process(
        run_config={
            "resources": {"warehouse": {"config": WarehouseResource.config_of(settings)}},
            "ops": {DBT_STEPS[0]: {"config": {"as_of": "", "full_refresh": False}}},
        },
        raise_on_error=False,
    )
    assert result.success

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        loaded = {
            entity.name: con.execute(f"select count(*) from raw.{entity.name}").fetchone()[0]
            for entity in ENTITIES
        }
        recorded = con.execute(
            "select distinct engine_where, batch_id from audit.shipped_batches"
        ).fetchall()
    assert recorded == [(settings.engine_where, result.run_id)]
    with open_engine(settings) as engine:
        shipped = {
            entity.name: engine.fetch_arrow(f"select count(*) as n from raw.{entity.name}")
            .column("n")[0]
            .as_py()
            for entity in ENTITIES
        }
        invoices = engine.fetch_arrow("select count(*) as n from staging.stg_invoices")
        relations = engine.fetch_arrow(
            "select count(*) as n from information_schema.tables where table_schema = 'staging'"
        )
    assert shipped == loaded
    assert invoices.column("n")[0].as_py() > 0
    assert relations.column("n")[0].as_py() == len(staging)
