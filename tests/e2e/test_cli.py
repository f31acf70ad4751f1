"""The `revops` command: help, usage errors, and whole runs through the real pipeline."""

from __future__ import annotations

import csv
import fcntl
import inspect
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from foundation.settings import PROJECT_ROOT

REVOPS = [sys.executable, "-m", "revops.cli"]
COMMANDS = ["generate", "run", "demo", "kpis", "report", "churn-model", "contract-sync"]


def revops(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT):
    return subprocess.run(
        [*REVOPS, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=900,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    done = revops(command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


def test_the_list_of_commands_shows_each_summary_as_one_flowing_paragraph():
    """A docstring's line breaks are not the help's: each command's first paragraph is
    one line of `revops --help` when the terminal is wide enough."""
    from revops.cli import app

    shown = revops("--help", env={"COLUMNS": "400"}).stdout
    lines = [" ".join(line.strip("│ ").split()) for line in shown.splitlines()]
    for command in app.registered_commands:
        summary = " ".join(inspect.getdoc(command.callback).split("\n\n")[0].split())
        name = command.callback.__name__.replace("_", "-")
        assert f"{name} {summary.replace('`', '')}" in lines, (name, shown)


def test_bad_usage_exits_2():
    assert revops("run", "--as-of", "2024-02-30").returncode == 2
    assert revops("generate", "--out", "x", "--format", "xml").returncode == 2
    assert revops("no-such-command").returncode == 2
    unknown = revops("run", "--engine", "mysql")
    assert unknown.returncode == 2
    assert "engine 'mysql' is not one of duckdb, postgres, spark" in unknown.stderr
    assert revops("run", env={"REVOPS_ENGINE": "mysql"}).returncode == 2
    assert revops("run", env={"PGPORT": "fifty"}).returncode == 2


def test_run_help_documents_the_engines():
    done = revops("run", "--help", env={"COLUMNS": "200"})
    assert "--engine" in done.stdout
    assert "duckdb, postgres, spark" in done.stdout
    assert "PGPASSWORD" in done.stdout


def test_an_unreachable_engine_fails_the_run_in_one_line_naming_it(tmp_path, small_company):
    from tests.engines.servers import free_port

    port = free_port()
    done = revops(
        "run",
        "--engine",
        "postgres",
        "--landing",
        str(small_company),
        "--warehouse",
        str(tmp_path / "wh" / "revops.duckdb"),
        env={"PGHOST": "127.0.0.1", "PGPORT": str(port), "REVOPS_THREADS": "1"},
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert f"shipping raw to postgres at 127.0.0.1:{port}/revops: " in errors[0]
    assert "Connection refused" in errors[0]
    assert "Traceback" not in done.stderr


def test_missing_landing_folder_exits_1_with_one_line(tmp_path):
    done = revops("run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.db"))
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "does not exist" in lines[0], done.stderr


def test_churn_model_without_a_warehouse_or_features_exits_1_with_one_line(tmp_path):
    missing = revops("churn-model", "--warehouse", str(tmp_path / "nope.duckdb"))
    assert missing.returncode == 1 and not (tmp_path / "nope.duckdb").exists()
    assert "does not exist yet" in missing.stderr
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    done = revops("churn-model", "--warehouse", str(empty))
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "cannot read intermediate.int_account_features_monthly" in lines[0]


def test_second_run_on_a_locked_warehouse_exits_1(tmp_path, small_company):
    warehouse = tmp_path / "wh" / "revops.duckdb"
    warehouse.parent.mkdir()
    lock_path = warehouse.parent / ".revops.duckdb.lock"
    with open(lock_path, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("pid 12345")
        held.flush()
        done = revops("run", "--landing", str(small_company), "--warehouse", str(warehouse))
    assert done.returncode == 1
    assert "another revops run is using" in done.stderr
    assert not warehouse.exists(), "a locked-out run must not touch the warehouse"


def _rows_in_landing(landing: Path, entity: str) -> int:
    total = 0
    for path in sorted((landing / entity).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1  # minus the header
    return total


def _expected_kpi_lines(serving: Path) -> list[str]:
    """The summary's lines, formatted here from the published row (not by revops.kpi)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute(
            "select strftime(month, '%Y-%m'), mrr, arr, active_customers, net_mrr_retention,"
            " nrr_12m, bookings_tcv, dso, forecast_accuracy, pipeline_forecast_accuracy,"
            " csat, gross_margin, gross_margin_rate"
            " from marts.metrics_monthly order by month desc limit 1"
        ).fetchone()
        # the lead cohort six months before the latest month (leads pay months later)
        cohort, leads = con.execute(
            "select strftime(month, '%Y-%m'), lead_conversion_rate from marts.metrics_monthly"
            " order by month desc limit 1 offset 6"
        ).fetchone()
    month, mrr, arr, active, nrr, nrr_12m, bookings, dso, reps, pipeline = row[:10]
    csat, margin, margin_rate = row[10:]

    def pct(value):
        return "n/a" if value is None else f"{value * 100:.1f}%"

    return [
        f"RevOps KPIs, {month}",
        f"MRR ${mrr:,.2f}",
        f"ARR ${arr:,.2f}",
        f"Active customers {active:,}",
        f"NRR (month) {pct(nrr)}",
        f"NRR (12 months) {pct(nrr_12m)}",
        f"Bookings (TCV) ${bookings:,.2f}",
        f"DSO (days) {'n/a' if dso is None else f'{dso:.1f}'}",
        f"Forecast accuracy (reps) {pct(reps)}",
        f"Forecast accuracy (pipeline) {pct(pipeline)}",
        f"CSAT (scores 4-5) {pct(csat)}",
        f"Gross margin {'n/a' if margin is None else f'${margin:,.2f}'}",
        f"Gross margin rate {pct(margin_rate)}",
        f"Lead conversion ({cohort} leads) {pct(leads)}",
    ]


def test_run_then_rerun_is_idempotent_and_prints_kpis(tmp_path, small_company):
    warehouse = tmp_path / "wh" / "revops.duckdb"
    env = {"REVOPS_LANDING": str(small_company), "REVOPS_WAREHOUSE": str(warehouse)}
    first = revops("run", env=env)
    assert first.returncode == 0, first.stderr
    progress = [line.split()[1] for line in first.stderr.splitlines() if line.startswith("  ok ")]
    # each step's progress is shown: the churn model's between the two dbt steps
    steps = ("revops_dbt_models", "churn_model", "revops_dbt_after_ml")
    assert all(step in progress for step in steps), first.stderr
    assert sorted(steps, key=progress.index) == list(steps), progress
    files = sorted(p for p in small_company.rglob("*.csv") if not p.parts[-2].startswith("_"))
    invoice_rows = _rows_in_landing(small_company, "invoices")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = con.execute(
            "select count(*), sum(rows_loaded), sum(rows_quarantined) from audit.load_files"
        ).fetchone()
        raw_invoices = con.execute("select count(*) from raw.invoices").fetchone()[0]
    # The small company has no bad rows: every file loaded whole, once.
    entities = sorted({f.parent.name for f in files})
    rows_in_files = sum(_rows_in_landing(small_company, name) for name in entities)
    assert counts == (len(files), rows_in_files, 0)
    assert raw_invoices == invoice_rows
    second = revops("run", env=env)
    assert second.returncode == 0, second.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            con.execute(
                "select count(*), sum(rows_loaded), sum(rows_quarantined) from audit.load_files"
            ).fetchone()
            == counts
        )
        assert con.execute("select count(*) from raw.invoices").fetchone()[0] == raw_invoices
    # the churn model's step alone (for a dbt run by hand) writes the same rows again
    scored = "select * from ml.churn_risk_scored order by month, account_id"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute(scored).fetchall()
    again = revops("churn-model", env=env)
    assert again.returncode == 0, again.stderr
    assert f"wrote ml.churn_risk_scored ({len(before):,} rows)" in again.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(scored).fetchall() == before
    kpis = revops("kpis", env=env)
    assert kpis.returncode == 0, kpis.stderr
    shown = [" ".join(line.replace("│", " ").split()) for line in kpis.stdout.splitlines()]
    for expected in _expected_kpi_lines(warehouse.parent / "serving.duckdb"):
        assert expected in shown, (expected, kpis.stdout)
    assert str(warehouse.parent / "serving.duckdb") in kpis.stdout.replace("\n", "")
