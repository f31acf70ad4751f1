"""The Definitions: graph, jobs, schedule, sensor; snapshot of the asset graph."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from foundation.contract import ENTITIES
from foundation.settings import PROJECT_ROOT, Settings
from orchestration.defs.resources import WarehouseResource
from orchestration.run import run_config_of

SNAPSHOT = PROJECT_ROOT / "tests" / "orchestration" / "asset_graph.snapshot.txt"


def _graph_lines(defs: dg.Definitions) -> list[str]:
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        kind = "asset" if node.is_materializable else "external"
        lines.append(f"{kind} {key.to_user_string()} group={node.group_name}")
        for check_key in sorted(node.check_keys, key=lambda c: c.name):
            lines.append(f"  check {check_key.name}")
    return lines


def test_asset_graph_matches_snapshot(defs):
    """Any change to the graph shows here in review; refresh with REVOPS_UPDATE_SNAPSHOTS=1."""
    text = "\n".join(_graph_lines(defs)) + "\n"
    if os.environ.get("REVOPS_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "no snapshot yet: run with REVOPS_UPDATE_SNAPSHOTS=1"
    assert text == SNAPSHOT.read_text()


def test_every_contract_entity_is_a_raw_asset_that_dbt_reads(defs):
    graph = defs.resolve_asset_graph()
    for entity in ENTITIES:
        key = dg.AssetKey(["raw", entity.name])
        node = graph.get(key)
        assert node.is_materializable, f"{key} is not an ingestion asset"
        children = {child.to_user_string() for child in node.child_keys}
        assert f"staging/stg_{entity.name}" in children, (entity.name, children)


def test_publish_waits_for_every_mart(defs):
    graph = defs.resolve_asset_graph()
    publish = graph.get(dg.AssetKey(["serving", "marts"]))
    parents = {key.to_user_string() for key in publish.parent_keys}
    for mart in ("metrics_monthly", "fct_mrr", "ar_aging_monthly", "sales_rep_monthly"):
        assert f"marts/{mart}" in parents


def test_the_report_follows_the_serving_marts(defs):
    graph = defs.resolve_asset_graph()
    report = graph.get(dg.AssetKey(["serving", "report"]))
    assert {key.to_user_string() for key in report.parent_keys} == {"serving/marts"}
    assert report.group_name == "publish"


def test_the_churn_model_sits_between_the_two_dbt_steps(defs):
    """The ml asset reads the features and the spine and is the dbt sources ml.*, so the
    dbt models that read those sources come after it, in the second dbt step."""
    graph = defs.resolve_asset_graph()

    def parents(key: str) -> set[str]:
        node = graph.get(dg.AssetKey(key.split("/")))
        return {parent.to_user_string() for parent in node.parent_keys}

    for name in ("churn_risk_scored", "churn_model_evaluated"):
        assert graph.get(dg.AssetKey(["ml", name])).is_materializable, name
    assert parents("ml/churn_risk_scored") == {"intermediate/int_account_features_monthly"}
    assert parents("ml/churn_model_evaluated") == {
        "ml/churn_risk_scored",
        "intermediate/int_metric_months_spined",
    }
    assert "ml/churn_risk_scored" in parents("marts/account_360")
    assert "ml/churn_model_evaluated" in parents("marts/model_evaluation")
    job = defs.resolve_job_def("revops_pipeline")
    steps = {node.name: node.definition.name for node in job.graph.nodes}
    # one node per dbt step: Dagster had nothing to split
    dbt_steps = sorted(name for name, op in steps.items() if op.startswith("revops_dbt"))
    assert dbt_steps == ["revops_dbt_after_ml", "revops_dbt_models"]
    assert "churn_model" in steps
    # the two dbt steps share the run's dbt config (as-of date, full refresh)
    config = run_config_of(job, Settings(Path("l"), Path("w.duckdb")), date(2025, 6, 30), True)
    assert config["ops"] == {
        "revops_dbt_after_ml": {"config": {"as_of": "2025-06-30", "full_refresh": True}},
        "revops_dbt_models": {"config": {"as_of": "2025-06-30", "full_refresh": True}},
    }
    # the dbt-only job builds the churn model too, between its two dbt steps
    assert "churn_model" in {node.name for node in defs.resolve_job_def("dbt_only").graph.nodes}


def test_jobs_schedule_and_sensor(defs):
    for name in ("revops_pipeline", "ingest_only", "dbt_only"):
        job = defs.resolve_job_def(name)
        assert job.executor_def.name == "in_process"
    schedule = defs.get_schedule_def("daily_pipeline")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.job_name == "revops_pipeline"
    sensor = defs.get_sensor_def("new_landing_files_sensor")
    assert sensor.job_name == "revops_pipeline"


def test_sensor_requests_one_run_per_new_file(defs, tmp_path):
    landing = tmp_path / "landing"
    (landing / "invoices").mkdir(parents=True)
    (landing / "_manifest").mkdir()
    (landing / "_manifest" / "bad_rows.csv").write_text("not an entity file\n")
    sensor = defs.get_sensor_def("new_landing_files_sensor")
    warehouse = WarehouseResource(landing_path=str(landing))

    def tick(cursor):
        context = dg.build_sensor_context(
            cursor=cursor, definitions=defs, resources={"warehouse": warehouse}
        )
        result = sensor(context)
        return result, context.cursor

    result, cursor = tick(None)
    assert isinstance(result, dg.SkipReason)
    (landing / "invoices" / "2024-01.csv").write_text("invoice_id\n")
    result, cursor = tick(cursor)
    assert isinstance(result, dg.RunRequest)
    result, cursor = tick(cursor)
    assert isinstance(result, dg.SkipReason), "the same file must not trigger twice"
    (landing / "invoices" / "2024-02.csv").write_text("invoice_id\n")
    (landing / "invoices" / "notes.txt").write_text("not a contract file\n")
    result, cursor = tick(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["revops/new_files"] == "1"


def test_dagster_definitions_validate(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_sensor_sees_exactly_the_files_the_loader_reads(tmp_path):
    """One listing rule (ingestion.readers.landing_files): upper-case extensions count,
    names starting with `_` or `.` and other extensions do not."""
    from ingestion.readers import landing_files
    from orchestration.defs.ingestion.sensors import landing_file_names

    folder = tmp_path / "landing" / "payments"
    folder.mkdir(parents=True)
    for name in ("2024-01.CSV", "2024-02.csv.gz", "_partial.csv", ".hidden.csv", "notes.txt"):
        (folder / name).write_text("payment_id\n")
    loader_names = [f.name for f in landing_files(tmp_path / "landing", "payments")[0]]
    assert (
        landing_file_names(tmp_path / "landing")
        == loader_names
        == [
            "payments/2024-01.CSV",
            "payments/2024-02.csv.gz",
        ]
    )
