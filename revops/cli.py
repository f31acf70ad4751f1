"""The `revops` command line.

Exit codes: 0 success; 1 the pipeline failed (an error or a blocking
data-quality failure) or was stopped (SIGTERM, SIGINT), with a one-line reason
on stderr; 2 bad usage.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import time
import warnings
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from foundation.settings import (
    DEFAULT_ENGINE,
    DEFAULT_LANDING,
    DEFAULT_WAREHOUSE,
    ENGINES,
    Settings,
    SettingsError,
)

app = typer.Typer(
    name="revops",
    help="RevOps data warehouse: landing files -> DuckDB -> dbt marts, run by Dagster.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown: a docstring's single line breaks are joined in the list of commands too
    # (Typer's "rich" mode keeps them there), and `code` shows as code.
    rich_markup_mode="markdown",
)
out = Console()
err = Console(stderr=True)

LandingOpt = Annotated[
    Path | None,
    typer.Option(
        "--landing",
        help=f"Landing folder \\[env REVOPS_LANDING; default {DEFAULT_LANDING}]",
        show_default=False,
    ),
]
WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help=f"DuckDB warehouse file \\[env REVOPS_WAREHOUSE; default {DEFAULT_WAREHOUSE}]",
        show_default=False,
    ),
]


EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help=(
            f"Where dbt builds staging to marts: {', '.join(ENGINES)}. Loading stays in the "
            "DuckDB warehouse; on postgres/spark the raw batches are shipped there and the "
            "marts published back from it. Connection: PGHOST, PGPORT, PGUSER, PGPASSWORD, "
            "PGDATABASE; REVOPS_SPARK_METHOD (session|thrift), REVOPS_SPARK_HOST, "
            f"REVOPS_SPARK_PORT, REVOPS_SPARK_DIR \\[env REVOPS_ENGINE; default {DEFAULT_ENGINE}]"
        ),
        show_default=False,
    ),
]


def settings_of(
    landing: Path | None = None, warehouse: Path | None = None, engine: str | None = None
) -> Settings:
    """The run's settings from the options and the environment; a setting that cannot be
    (an unknown engine, a port that is not a number) is bad usage (exit 2)."""
    try:
        return Settings.from_env(landing=landing, warehouse=warehouse, engine=engine)
    except SettingsError as error:
        raise typer.BadParameter(str(error)) from None


def fail(reason: str) -> typer.Exit:
    """Print a one-line reason on stderr; the caller raises the returned Exit(1)."""
    err.print(f"[bold red]error:[/] {escape(reason)}", soft_wrap=True, highlight=False)
    return typer.Exit(code=1)


def parse_as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the landing files to")],
    accounts: Annotated[int, typer.Option(min=1, help="Number of accounts")] = 2000,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM")] = "2023-01",
    months: Annotated[int, typer.Option(min=1, help="Number of months")] = 36,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes)")] = 42,
    file_format: Annotated[str, typer.Option("--format", help="csv, parquet or jsonl")] = "csv",
    bad_rows: Annotated[
        float,
        typer.Option(min=0.0, max=0.5, help="Share of bad rows to inject (with a manifest)"),
    ] = 0.0,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the entity folders of a non-empty --out")
    ] = False,
) -> None:
    """Generate a sample B2B SaaS company as a landing folder (docs/landing-contract.md)."""
    from generator import generate as generate_company

    if file_format not in ("csv", "parquet", "jsonl"):
        raise typer.BadParameter(f"--format must be csv, parquet or jsonl, not {file_format!r}")
    try:
        summary = generate_company(
            out_dir,
            accounts=accounts,
            start=start,
            months=months,
            seed=seed,
            fmt=file_format,
            bad_rows=bad_rows,
            overwrite=overwrite,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    out.print(summary.render())


def _stopped_while_starting(signum: int, _frame: FrameType | None) -> None:
    """Before the run holds the warehouse (importing Dagster takes seconds), a stop signal
    ends the command at once: nothing has been written."""
    name = signal.Signals(signum).name
    err.print(f"revops run: stopped by {name} during start-up; nothing was changed", markup=False)
    raise typer.Exit(code=1)


def _run(settings: Settings, as_of: date | None, full_refresh: bool) -> None:
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, _stopped_while_starting)
    from orchestration.run import RunLockedError, run_job

    if not settings.landing.is_dir():
        raise fail(f"landing folder {settings.landing} does not exist")
    where = f" (dbt on {settings.engine_where})" if settings.engine != DEFAULT_ENGINE else ""
    err.print(
        f"running the pipeline on {settings.landing} -> {settings.warehouse}{where}", markup=False
    )
    started = time.monotonic()
    try:
        outcome = run_job(settings, as_of=as_of, full_refresh=full_refresh)
    except RunLockedError as error:
        raise fail(str(error)) from None
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if outcome.stopped_by:
        err.print(f"revops run: {outcome.reason}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1)
    if not outcome.success:
        raise fail(f"pipeline failed (run {outcome.run_id[:8]}): {outcome.reason}")
    err.print(f"pipeline done in {time.monotonic() - started:.1f}s (run {outcome.run_id[:8]})")


@app.command()
def run(
    landing: LandingOpt = None,
    warehouse: WarehouseOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: latest event)")
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch")
    ] = False,
    engine: EngineOpt = None,
) -> None:
    """Ingest -> dbt build -> validate -> publish, as the Dagster job, in-process."""
    settings = settings_of(landing, warehouse, engine)
    _run(settings, parse_as_of(as_of), full_refresh)


@app.command("churn-model")
def churn_model(warehouse: WarehouseOpt = None, engine: EngineOpt = None) -> None:
    """Train and score the churn-risk model on the features dbt built and write
    ml.churn_risk_scored and ml.churn_model_evaluated: the step `revops run` runs between
    its two dbt builds, for a dbt run by hand (README, Running dbt directly)."""
    from ml.churn_step import ChurnStepError, score_warehouse
    from orchestration.run import RunLockedError, warehouse_lock

    settings = settings_of(warehouse=warehouse, engine=engine)
    if not settings.warehouse.exists():
        raise fail(f"{settings.warehouse} does not exist yet: run `revops run` or dbt first")
    try:
        with warehouse_lock(settings):
            done = score_warehouse(settings)
    except (ChurnStepError, RunLockedError) as error:
        raise fail(str(error)) from None
    rows = sum(done.rows_by_split.values())
    err.print(f"{done.description()} ({done.seconds:.1f}s)", markup=False)
    out.print(
        f"wrote ml.churn_risk_scored ({rows:,} rows) and ml.churn_model_evaluated",
        markup=False,
        highlight=False,
    )


def _outputs(settings: Settings) -> dict[str, Path]:
    return {
        "Warehouse": settings.warehouse,
        "Serving database (for BI)": settings.serving,
        "Parquet marts": settings.parquet_dir,
        "Data quality docs": settings.data_docs_dir / "index.html",
        "Revenue report": settings.report_dir / "index.html",
    }


@app.command()
def kpis(warehouse: WarehouseOpt = None) -> None:
    """Print the latest month's KPIs from the published serving database."""
    from revops.kpi import read_latest_kpis, render_kpis

    settings = settings_of(warehouse=warehouse)
    if not settings.serving.exists():
        raise fail(f"{settings.serving} does not exist yet: run `revops run` first")
    render_kpis(read_latest_kpis(settings.serving), _outputs(settings), out)


@app.command()
def report(
    warehouse: WarehouseOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write index.html to [default: report/ beside the warehouse]",
            show_default=False,
        ),
    ] = None,
    open_report: Annotated[
        bool, typer.Option("--open", help="Open the report in the default web browser")
    ] = False,
) -> None:
    """Write the revenue report (one self-contained HTML page of charts) from the
    published serving database; `revops run` writes it too."""
    import webbrowser

    from serving.report import write_report

    settings = settings_of(warehouse=warehouse)
    if not settings.serving.exists():
        raise fail(f"{settings.serving} does not exist yet: run `revops run` first")
    result = write_report(settings, out_dir=out_dir)
    err.print(f"wrote {result.bytes / 1e6:.1f} MB in {result.seconds:.1f}s", markup=False)
    out.print(str(result.path), markup=False, highlight=False, soft_wrap=True)
    if open_report:
        webbrowser.open(result.path.resolve().as_uri())


def _fingerprint(landing: Path) -> str:
    files = sorted(p for p in landing.rglob("*") if p.is_file())
    stats = [(str(p.relative_to(landing)), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return json.dumps(stats)


@app.command()
def demo(
    landing: LandingOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Generate the sample company if missing, run the pipeline, print the KPIs."""
    from generator import DEFAULTS
    from generator import generate as generate_company

    settings = settings_of(landing, warehouse)
    if not settings.landing.is_dir() or not any(settings.landing.iterdir()):
        err.print(f"generating the sample company into {settings.landing}", markup=False)
        summary = generate_company(settings.landing, **asdict(DEFAULTS))
        err.print(summary.render())
    stamp = settings.warehouse_dir / ".demo-landing.json"
    fingerprint = _fingerprint(settings.landing)
    up_to_date = settings.serving.exists() and stamp.exists() and stamp.read_text() == fingerprint
    if up_to_date:
        err.print("nothing new in the landing folder since the last run: showing its KPIs")
    else:
        _run(settings, None, False)
        stamp.write_text(fingerprint)
    if not (settings.report_dir / "index.html").exists():  # a warehouse older than the report
        from serving.report import write_report

        write_report(settings)
    kpis(warehouse=settings.warehouse)


@app.command("contract-sync")
def contract_sync(
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 naming each file that is stale"),
    ] = False,
) -> None:
    """Write the files generated from the contract registry (foundation/contract/):
    docs/landing-contract.md, the dbt sources and staging tests, the reason-code
    seed and the GX suites."""
    from revops.codegen import stale_files, write_all

    if check:
        stale = stale_files()
        if stale:
            names = ", ".join(f.path for f in stale)
            raise fail(f"{len(stale)} generated file(s) out of date: {names}; run `make generate`")
        return
    for file in write_all():
        err.print(f"wrote {file.path} ({file.what})", markup=False)


def main() -> None:
    """Console entry: an unexpected error ends in one line, not a traceback.

    Set REVOPS_DEBUG=1 to see the traceback.
    """
    code = 0
    # pyspark (the Spark engine's client, imported by GX too) warns about pandas 3 on import.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    try:
        app()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except Exception as error:
        if os.environ.get("REVOPS_DEBUG"):
            raise
        err.print(
            f"[bold red]error:[/] {type(error).__name__}: {escape(str(error))} "
            "(REVOPS_DEBUG=1 shows the traceback)",
            soft_wrap=True,
            highlight=False,
        )
        code = 1
    # DuckDB 2.0's bindings print "nanobind: leaked ..." lines during interpreter
    # teardown; everything is flushed and closed here, so leave without it. The
    # exit handlers still run (multiprocessing releases its semaphores there;
    # skipped, its resource tracker warns about them).
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
