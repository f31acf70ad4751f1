"""Run the stages at each scale, compute ratios and growth, write JSON and BENCHMARKS.md."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = (
    "generate",
    "ingest_baseline",
    "ingest",
    "dbt_build",
    "pipeline_dbt",
    "dbt_baseline",
    "gx",
    "report",
    "incremental",
)
START, MONTHS, SEED = "2023-01", 36, 42
LATE_SHARE = 0.01  # rows held back for the incremental stage


@dataclass(frozen=True)
class Goal:
    """A stage's number (`value`: its wall time unless named) over a baseline's wall time
    (`baseline` set), or the number itself (rows/s, seconds, megabytes), against `goal`
    with `op`; `from_scale` sets another goal from a number of accounts on."""

    stage: str
    goal: float
    op: str  # "<=" or ">="
    baseline: str | None = None  # a stage, or "full_build"
    value: str = "wall_s"
    from_scale: tuple[tuple[int, float], ...] = ()  # (accounts, goal), ascending

    def at(self, accounts: int) -> float:
        """The goal at `accounts`: the last `from_scale` entry at or below it, else `goal`."""
        return next((g for n, g in reversed(self.from_scale) if accounts >= n), self.goal)


GOALS = {
    "ingest_vs_duckdb_read_csv": Goal("ingest", 1.5, "<=", baseline="ingest_baseline"),
    # Issue 19: at most 2.5 at 10,000 accounts, where dbt's fixed cost weighs most; the
    # goal of 1.3 (met at 1,000,000) holds from 100,000 on.
    "dbt_build_vs_compiled_sql": Goal(
        "dbt_build", 2.5, "<=", baseline="dbt_baseline", from_scale=((100_000, 1.3),)
    ),
    "pipeline_dbt_vs_dbt_cli": Goal(
        "pipeline_dbt", 1.15, "<=", baseline="dbt_build", value="dbt_steps_s"
    ),
    # Issue 19: at most 0.3 at 100,000 accounts (and below), 0.1 from 1,000,000.
    "incremental_vs_full": Goal(
        "incremental", 0.3, "<=", baseline="full_build", from_scale=((1_000_000, 0.1),)
    ),
    "gx_vs_dbt_build": Goal("gx", 0.25, "<=", baseline="dbt_build"),
    "generator_rows_per_second": Goal("generate", 500_000, ">=", value="rows_per_second"),
    "report_seconds": Goal("report", 10, "<=", value="wall_s"),
    "report_megabytes": Goal("report", 10, "<=", value="megabytes"),
}


# DuckDB's limits for every stage, set once from the command line (main).
LIMITS: dict[str, str | int] = {"threads": os.cpu_count() or 2, "memory_limit": "6GB"}


def python_loop_seconds(n: int = 10**7) -> float:
    """The machine's speed as one number: seconds for `n` additions in a Python loop (the
    absolute goals, rows/s and seconds, move with it; the ratios much less)."""
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return round(time.perf_counter() - started, 2)


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "python_loop_s": python_loop_seconds(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "revops_threads": str(LIMITS["threads"]),
        "revops_memory_limit": str(LIMITS["memory_limit"]),
    }


def run_stage(stage: str, args: dict, extra_env: dict[str, str] | None = None) -> dict:
    """`bench.stages` `stage` in a process of its own (its environment: ours and `extra_env`)."""
    p = subprocess.run(
        [sys.executable, "-m", "bench.stages", stage, json.dumps({**args, **LIMITS})],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **extra_env} if extra_env else None,
    )
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if p.returncode != 0 or line is None:
        raise RuntimeError(f"stage {stage} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    out = json.loads(line[6:])
    if out.get("returncode", 0) != 0:
        raise RuntimeError(f"stage {stage}: dbt failed:\n{out.get('tail')}")
    return out


def run_scale(accounts: int, work: Path, months: int = MONTHS) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    landing, extra = work / "landing", work / "landing_extra"
    wh, base_wh = work / "warehouse" / "revops.duckdb", work / "baseline" / "read_csv.duckdb"
    wh.parent.mkdir()
    base_wh.parent.mkdir()
    target = str(work / "target")
    st: dict[str, dict] = {}
    st["generate"] = run_stage(
        "generate",
        {"out": str(landing), "accounts": accounts, "start": START, "months": months, "seed": SEED},
    )
    # The newest 1% of rows (by updated_at) are held back and loaded by the
    # incremental stage: the next days' exports after a full build.
    st["split"] = run_stage(
        "split_landing", {"landing": str(landing), "extra": str(extra), "share": LATE_SHARE}
    )
    st["ingest_baseline"] = run_stage(
        "ingest_baseline", {"landing": str(landing), "warehouse": str(base_wh)}
    )
    st["ingest"] = run_stage("ingest", {"landing": str(landing), "warehouse": str(wh)})
    st["dbt_build"] = run_stage("dbt_build", {"warehouse": str(wh), "target": target})
    st["pipeline_dbt"] = run_stage("pipeline_dbt", {"warehouse": str(wh), "landing": str(landing)})
    st["dbt_baseline"] = run_stage(
        "dbt_baseline",
        {"warehouse": str(wh), "target": target, "copy": str(work / "baseline" / "dbt.duckdb")},
    )
    st["gx"] = run_stage("gx", {"warehouse": str(wh)})
    st["report"] = run_stage("report", {"warehouse": str(wh)})
    st["incremental"] = run_stage(
        "incremental", {"warehouse": str(wh), "landing": str(extra), "target": target}
    )
    full = {
        "wall_s": st["ingest"]["wall_s"] + st["dbt_build"]["wall_s"],
        "cpu_s": st["ingest"]["cpu_s"] + st["dbt_build"]["cpu_s"],
        "peak_rss_mib": max(st["ingest"]["peak_rss_mib"], st["dbt_build"]["peak_rss_mib"]),
    }
    return {
        "accounts": accounts,
        "months": months,
        "rows": st["generate"]["rows"],
        "stages": st,
        "full_build": full,
        "ratios": ratios(accounts, st, full),
    }


def ratios(accounts: int, st: dict[str, dict], full: dict) -> dict[str, dict]:
    """Each goal's value at `accounts` from the stages' numbers, and whether it is met."""
    out = {}
    for name, g in GOALS.items():
        if g.baseline is None:
            value = st[g.stage][g.value]
        else:
            d = full if g.baseline == "full_build" else st[g.baseline]
            value = st[g.stage][g.value] / d["wall_s"] if d["wall_s"] > 0 else float("inf")
        goal = g.at(accounts)
        met = value <= goal if g.op == "<=" else value >= goal
        out[name] = {"value": value, "goal": goal, "op": g.op, "met": met}
    return out


def growth(scales: list[dict]) -> list[dict]:
    """Time and memory factor per 10x data between consecutive scales."""
    out = []
    for a, b in itertools.pairwise(scales):
        tenfolds = math.log10(b["rows"] / a["rows"]) if a["rows"] and b["rows"] > a["rows"] else 1
        row = {"from": a["accounts"], "to": b["accounts"], "stages": {}}
        for s in STAGES:
            f = {}
            for k in ("wall_s", "peak_rss_mib"):
                x, y = a["stages"][s][k], b["stages"][s][k]
                f[k] = (y / x) ** (1 / tenfolds) if x > 0 and tenfolds > 0 else None
            row["stages"][s] = f
        out.append(row)
    return out


def _fmt(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def _table(title: str, header: str, align: str, rows: Iterable[str]) -> list[str]:
    """A `## title` section of BENCHMARKS.md holding one table."""
    return ["", f"## {title}", "", header, align, *rows]


def _stage_rows(result: dict) -> Iterator[str]:
    for s in result["scales"]:
        for name in STAGES:
            v = s["stages"][name]
            yield (
                f"| {s['accounts']:,} | {s['rows']:,} | {name} | {_fmt(v['wall_s'])} |"
                f" {_fmt(v['cpu_s'])} | {_fmt(v['peak_rss_mib'], 0)} |"
            )


def _goal_rows(result: dict) -> Iterator[str]:
    for s in result["scales"]:
        for name, r in s["ratios"].items():
            digits = 0 if r["value"] > 1000 else 3
            yield (
                f"| {s['accounts']:,} | {name} | {_fmt(r['value'], digits)} |"
                f" {r['op']} {r['goal']:,} | {'met' if r['met'] else '**missed**'} |"
            )


def _growth_rows(result: dict) -> Iterator[str]:
    for g in result["growth"]:
        for name, f in g["stages"].items():
            yield (
                f"| {g['from']:,} → {g['to']:,} | {name} | {_fmt(f['wall_s'])} |"
                f" {_fmt(f['peak_rss_mib'])} |"
            )


def _slowest_rows(result: dict) -> Iterator[str]:
    """The dbt builds' node counts, the sum of the nodes' own times and the slowest nodes."""
    for s in result["scales"]:
        for name in ("dbt_build", "incremental"):
            v = s["stages"][name]
            if "slowest" not in v:
                continue
            slowest = ", ".join(
                f"{node['node'].split('.')[2]} {node['s']:.1f}" for node in v["slowest"]
            )
            yield (
                f"| {s['accounts']:,} | {name} | {v['nodes']:,} | {_fmt(v['nodes_s'])} |"
                f" {slowest} |"
            )


def markdown(result: dict) -> str:
    m = result["machine"]
    scales = ",".join(str(s["accounts"]) for s in result["scales"])
    lines = [
        "# Benchmarks",
        "",
        f"Run {result['date']} with `make bench SCALE={scales}`"
        f" on {m['cores']} cores, {m['memory_gib']} GiB memory ({m['platform']}, Python"
        f" {m['python']}); DuckDB threads {m['revops_threads']}, memory limit"
        f" {m['revops_memory_limit']} (REVOPS_THREADS / REVOPS_MEMORY_LIMIT)"
        + (
            f"; a Python loop of 10^7 additions took {m['python_loop_s']} s"
            if "python_loop_s" in m
            else ""
        )
        + ".",
        "Raw numbers: `bench/results/<date>.json`. Each stage runs in its own process;"
        " CPU includes child processes (dbt); peak RSS is the largest process.",
    ]
    lines += _table(
        "Stages",
        "| accounts | rows | stage | wall s | CPU s | peak RSS MiB |",
        "|---:|---:|---|---:|---:|---:|",
        _stage_rows(result),
    )
    lines += _table(
        "Goals",
        "| accounts | ratio | value | goal | status |",
        "|---:|---|---:|---|---|",
        _goal_rows(result),
    )
    if result["growth"]:
        lines += _table(
            "Growth per 10x data (goal: about 10x, none much worse)",
            "| from → to | stage | wall factor | RSS factor |",
            "|---|---|---:|---:|",
            _growth_rows(result),
        )
    lines += _table(
        "Slowest dbt nodes (full build and incremental run)",
        "| accounts | stage | dbt nodes | nodes' own s | slowest (s) |",
        "|---:|---|---:|---:|---|",
        _slowest_rows(result),
    )
    lines += ["", "## Notes", ""] + [f"- {n}" for n in NOTES] + [""]
    return "\n".join(lines)


NOTES = [
    "ingest_baseline: `create or replace table as select * from read_csv('<entity>/*.csv',"
    " union_by_name = true)` per entity folder, no contract checks or quarantine.",
    "dbt_build: `dbt build` with the pipeline's arguments (`orchestration.dbt.args`: the"
    " run's settings as --vars, unit tests excluded; they run in `make test`), as the"
    " pipeline runs it: two invocations around the churn model's Python step, both forks"
    " of one dbt worker (orchestration/dbt/worker.py: dbt imported and the project"
    " parsed once; the worker's start and parse are in the stage, where the pipeline's"
    " worker does them while the run ingests), after an untimed `dbt parse` with the same"
    " vars (deploy-time work: the pipeline builds from a parsed manifest; about 10 s, in"
    " the JSON).",
    "pipeline_dbt: the same dbt work as the pipeline runs it: the `dbt_only` Dagster job"
    " in-process (`orchestration.run.run_job`, full refresh so that incremental models are"
    " built whole, as in dbt_build): both dbt steps through dagster-dbt, each dbt node"
    " reported to Dagster as a materialization or a check result, and the churn step;"
    " the ratio takes those steps' own times (`dbt_steps_s`; the job also runs the GX"
    " checks of the assets it builds, in steps of their own, in the stage's wall time)."
    " Loading the Definitions (Dagster, dagster-dbt, GX) and making the manifest are"
    " untimed, as a code location's load. Goal: at most 1.15 of dbt_build.",
    "dbt_baseline: each model's compiled SQL from the manifest, in DAG order, as"
    " `create or replace table|view`, then each test as `select count(*)`, in one DuckDB"
    " connection on a copy of the built warehouse; no contracts, hooks, snapshots or"
    " incremental logic (incremental models are rebuilt whole).",
    "incremental: before the full build, the newest 1% of rows by `updated_at` are"
    " moved out of the landing files into `<entity>/<last>-late.csv` files (`split_landing`;"
    " reference entities stay whole). The incremental stage loads those files and runs"
    " `dbt build` without full refresh; compared with the full build (ingest + dbt build"
    " of the other 99%).",
    "gx: wall and CPU of `expectations.runner.validate` of every suite (count in the JSON:"
    " raw against the load accounting, each layer reconciled with the one"
    " below, volumes across runs; the properties of single models are dbt tests) with Data"
    " Docs rendered into a new folder. Importing Great Expectations (5-8 s: scipy, altair,"
    " pandas, sqlalchemy) is in the JSON as `import_s`, not in the stage: the pipeline pays"
    " it once when its code location loads.",
    "generate: the generator's own rows/s for the whole CSV company (36 months).",
    "report: `serving.report.write_report` (read the serving marts, build every chart"
    " with Plotly, write the one self-contained page atomically) after an untimed publish"
    " of the marts; importing Plotly is `import_s` in the JSON. Goals: under 10 s and"
    " under 10 MB (plotly.js inlined is about 4.9 MB of it).",
    "dbt_baseline runs the compiled SQL models only: the churn model's step (ml/, training"
    " and evaluation, between dbt_build's two dbt invocations; `churn_model_s` in the"
    " JSON) is in dbt_build and not in the baseline.",
    "Growth factors are normalised to 10x rows (rows, not accounts). No stage of ours grows"
    " by more than 10x per 10x rows; small scales are dominated by fixed start-up costs.",
    "Peak memory at 1,000,000 accounts: under 6.4 GiB in every stage (dbt build the"
    " largest), with DuckDB's memory limit at 6GB and 2 threads (--memory-limit /"
    " --threads).",
    "What limits dbt build vs compiled SQL (met at 1,000,000, missed below): dbt's fixed"
    " and per-node cost. A build has 198 nodes (90 models, 105 data tests: the single"
    " relationships, predicate and unique tests of a model are rules of its one"
    " column_rules test; 240 nodes before), their own times adding up to several times"
    " the compiled SQL's at 10,000 accounts (`nodes_s` in the JSON), plus dbt's start-up."
    " py-spy of an earlier 10,000-account build: about 27% of samples in DuckDB executing"
    " SQL, 12% importing dbt, 15% dbt's event logging (11% writing the debug log file, now"
    " at info), 9% compiling, the rest rendering materialization macros. A dbt"
    " process costs about 6.5 s before and after its nodes (timed by hand: a build of one"
    " model at 10,000 accounts; importing dbt alone is 3.7 s); the pipeline's two dbt"
    " steps are forks of one worker that pays the import and the parse once (the second"
    " step, 8 nodes, 11.3 s before at 10,000 accounts, 5.1 s in a fork). A fork skips"
    " writing manifest.json again (about 2.4 s a step) and building the debug events no"
    " logger writes (orchestration/dbt/lean.py); in the pipeline the worker also compiles"
    " the macros' templates while the run ingests (not here: dbt_build's worker parses on"
    " its first request)."
    " Faster SQL makes the ratio worse; it falls with scale.",
    "What limits incremental vs full: the staging tables, the currency conversions"
    " (`int_*_converted_to_usd`, per key: macros/row_increment.sql), the facts and"
    " `flagged_history` are incremental; every other intermediate and metric table is"
    " rebuilt whole (the metrics depend on every month of history: a late payment or"
    " version changes past months), and the data tests scan whole tables. At 100,000"
    " accounts the incremental run's nodes (table below) spend about 33 s in 44"
    " intermediate models (the account and invoice by month tables first), 19 s in 27"
    " marts, 22 s in 105 data tests and 6 s in 17 staging models. A build with no new"
    " rows at all costs nearly as much (timed by hand on the 100,000-account warehouse"
    " after the incremental stage: 51 s for the first dbt invocation, its nodes' own times"
    " adding up to 77 s, 20 s of them in the 19 intermediate tables and 20 s in the data"
    " tests), so the cost is in what every build redoes, not in the new rows. At"
    " 1,000,000 accounts the incremental run is 0.57 of the full build, its nodes' own"
    " times 592 s against 863 s: the account and invoice by month tables (57 s and 28 s;"
    " the invoice one holds only positive balances since, 5.5 s alone) and the largest"
    " fact and its tests (fct_activities and its column_rules, 25 s each) lead. An"
    " incremental conversion selects its changed rows in under 0.1 s (about 20,000 of"
    " 383,000 invoice lines), yet the node takes about 2 s in the build. A node's own time in a"
    " two-thread build includes waiting on the other thread's DuckDB work: alone, with"
    " no new rows, stg_payments took 0.42 s and fct_payments 0.47 s (timed by hand at"
    " 100,000 accounts), their statements a few ms each and the rest dbt's own work"
    " (the debug log's timestamps). Reaching 0.3 needs fewer,"
    " larger nodes as well as month frontiers for the account and invoice by month tables.",
    "GX vs dbt build (met up to 100,000 accounts; at 1,000,000 0.257 against 0.25 in this"
    " run: missed, by less than the runs' noise): GX checks only what dbt cannot see (105"
    " expectations, 25 ms of GX's own Python each); each view it reads (the intermediate FX"
    " rate ranges) is copied once into memory with only the columns its suites name, and"
    " the datasource checks its table assets in the catalog instead of reading a row of"
    " each.",
    "Ingest vs read_csv at 1,000,000 accounts is near the 1.5 line. py-spy of the"
    " ingest stage: 44% staging each file (read_csv + typed try_cast of every column + the"
    " first defect per row, into a temp table), 37% appending the good rows to raw (a second"
    " pass over the staged rows, with lineage columns) and the quarantine, 9% the sha256 of"
    " each file (idempotence); the baseline reads once into its table. One pass straight"
    " from the file into raw and quarantine would remove most of the difference.",
    "Generator rows/s at 10,000 accounts: fixed set-up (Faker's import and name pools,"
    " about 0.5 s) over a fraction of a second of work; the goal is met from 100,000 on.",
    "Slowest dbt nodes: each build's node count, the sum of its nodes' own times"
    " (run_results' execution_time; dbt runs two at a time) and its eight slowest nodes.",
    "Numbers are from a 2-core machine; expect noise of 10-20% between runs.",
]


def run(
    scales: list[int], work: Path, results_dir: Path, bench_md: Path, months: int = MONTHS
) -> dict:
    per = []
    for n in scales:
        print(f"bench: {n:,} accounts ...", file=sys.stderr, flush=True)
        per.append(run_scale(n, work / str(n), months=months))
    now = datetime.now(UTC)
    result = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "scales": per,
        "growth": growth(per),
        "notes": NOTES,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{now:%Y-%m-%d}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    from bench.engines import latest_section, splice  # bench.engines imports this module

    engines = latest_section(results_dir)  # the newest engines run's section is kept
    bench_md.write_text(text if engines is None else splice(text, engines))
    print(f"bench: wrote {path} and {bench_md}", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument(
        "--scales",
        default=None,
        help="comma-separated account counts (default 10000,100000; with --engines 2000,100000)",
    )
    ap.add_argument(
        "--engines",
        nargs="?",
        const="duckdb,postgres,spark",
        default=None,
        help="instead of the stages: one company's dbt work on each engine, side by side"
        " (default all: duckdb,postgres,spark)",
    )
    ap.add_argument("--months", type=int, default=MONTHS)
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "work")
    ap.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    ap.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    ap.add_argument(
        "--memory-limit",
        default=os.environ.get("REVOPS_MEMORY_LIMIT") or "6GB",
        help="DuckDB memory limit for every stage (REVOPS_MEMORY_LIMIT; default 6GB, so a"
        " process stays under 8 GiB)",
    )
    ap.add_argument(
        "--threads",
        default=os.environ.get("REVOPS_THREADS") or str(os.cpu_count() or 2),
        help="DuckDB and dbt threads (REVOPS_THREADS; default: the machine's cores)",
    )
    a = ap.parse_args(argv)
    LIMITS.update(threads=int(a.threads), memory_limit=a.memory_limit)
    default = "2000,100000" if a.engines else "10000,100000"
    scales = [int(s.replace("_", "")) for s in (a.scales or default).split(",") if s.strip()]
    if a.engines is None:
        run(scales, a.work, a.results, a.out, months=a.months)
        return 0
    from bench.engines import ENGINES, run_engines  # bench.engines imports this module

    engines = tuple(e.strip() for e in a.engines.split(",") if e.strip())
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        ap.error(f"--engines takes {', '.join(ENGINES)}, not {', '.join(unknown)}")
    result = run_engines(scales, a.work / "engines", a.results, a.out, engines, a.months)
    runs = [out for scale in result["scales"] for out in scale["engines"].values()]
    return 1 if any("error" in out or out.get("marts_differ") for out in runs) else 0
