"""The one Definitions of the RevOps warehouse, built from the domains in defs/.

ingestion (raw assets, landing sensor) -> transform (dbt assets; dbt tests as
checks), with ml (the churn-risk model, between the dbt models) -> quality (GX suites
as checks) -> publish (serving database, then the report).
Start the UI with `make dev` (or `dagster dev` from the repo root).
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.ingestion import new_landing_files_sensor, raw_assets
from orchestration.defs.ml import churn_model
from orchestration.defs.progress import step_progress_logger
from orchestration.defs.publish import published_marts, report
from orchestration.defs.quality import quality_checks
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.runs import record_step_failure
from orchestration.defs.transform import DBT_ASSETS, dbt_resource

PIPELINE_JOB = "revops_pipeline"

pipeline_job = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest -> dbt build -> validate -> publish: the whole pipeline.",
    executor_def=dg.in_process_executor,
    hooks={record_step_failure},
)
ingest_job = dg.define_asset_job(
    "ingest_only",
    selection=dg.AssetSelection.groups("raw"),
    description="Load new landing files into raw (and run the raw checks).",
    executor_def=dg.in_process_executor,
    hooks={record_step_failure},
)
dbt_job = dg.define_asset_job(
    "dbt_only",
    selection=dg.AssetSelection.assets(*DBT_ASSETS, churn_model),
    description="dbt build of every model, with dbt tests as checks, and the churn-risk "
    "model between the models it reads and those that read it.",
    executor_def=dg.in_process_executor,
    hooks={record_step_failure},
)
daily_schedule = dg.ScheduleDefinition(
    name="daily_pipeline",
    job=pipeline_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="The whole pipeline every morning at 06:00 UTC.",
)

defs = dg.Definitions(
    assets=[*raw_assets, *DBT_ASSETS, churn_model, published_marts, report],
    asset_checks=quality_checks,
    jobs=[pipeline_job, ingest_job, dbt_job],
    schedules=[daily_schedule],
    sensors=[new_landing_files_sensor],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "progress": step_progress_logger},
)
