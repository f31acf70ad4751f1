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
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("generate", "ingest_baseline", "ingest", "dbt_build", "dbt_baseline", "gx", "incremental")
START, MONTHS, SEED = "2023-01", 36, 42
LATE_SHARE = 0.01  # rows held back for the incremental stage

# name: (numerator, denominator or None for a plain value, goal, "<=" or ">=")
GOALS = {
    "ingest_vs_duckdb_read_csv": ("ingest", "ingest_baseline", 1.5, "<="),
    "dbt_build_vs_compiled_sql": ("dbt_build", "dbt_baseline", 1.3, "<="),
    "incremental_vs_full": ("incremental", "full_build", 0.1, "<="),
    "gx_vs_dbt_build": ("gx", "dbt_build", 0.25, "<="),
    "generator_rows_per_second": ("generate", None, 500_000, ">="),
}


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "revops_threads": os.environ.get("REVOPS_THREADS", "default"),
        "revops_memory_limit": os.environ.get("REVOPS_MEMORY_LIMIT", "default"),
    }


def run_stage(stage: str, args: dict) -> dict:
    p = subprocess.run(
        [sys.executable, "-m", "bench.stages", stage, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
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
    st["dbt_baseline"] = run_stage(
        "dbt_baseline",
        {"warehouse": str(wh), "target": target, "copy": str(work / "baseline" / "dbt.duckdb")},
    )
    st["gx"] = run_stage("gx", {"warehouse": str(wh), "docs": str(work / "data_docs")})
    st["incremental"] = run_stage(
        "incremental", {"warehouse": str(wh), "landing": str(extra), "target": target}
    )
    full = {
        "wall_s": st["ingest"]["wall_s"] + st["dbt_build"]["wall_s"],
        "cpu_s": st["ingest"]["cpu_s"] + st["dbt_build"]["cpu_s"],
        "peak_rss_mib": max(st["ingest"]["peak_rss_mib"], st["dbt_build"]["peak_rss_mib"]),
    }
    ratios = {}
    for name, (num, den, goal, op) in GOALS.items():
        if den is None:
            value = st[num]["rows_per_second"]
        else:
            d = full if den == "full_build" else st[den]
            value = st[num]["wall_s"] / d["wall_s"] if d["wall_s"] > 0 else float("inf")
        met = value <= goal if op == "<=" else value >= goal
        ratios[name] = {"value": value, "goal": goal, "op": op, "met": met}
    return {
        "accounts": accounts,
        "months": months,
        "rows": st["generate"]["rows"],
        "stages": st,
        "full_build": full,
        "ratios": ratios,
    }


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


def markdown(result: dict) -> str:
    m = result["machine"]
    scales = ",".join(str(s["accounts"]) for s in result["scales"])
    lines = [
        "# Benchmarks",
        "",
        f"Run {result['date']} with `make bench SCALE={scales}`"
        f" on {m['cores']} cores, {m['memory_gib']} GiB memory ({m['platform']}, Python"
        f" {m['python']}); DuckDB threads {m['revops_threads']}, memory limit"
        f" {m['revops_memory_limit']} (REVOPS_THREADS / REVOPS_MEMORY_LIMIT).",
        "Raw numbers: `bench/results/<date>.json`. Each stage runs in its own process;"
        " CPU includes child processes (dbt); peak RSS is the largest process.",
        "",
        "## Stages",
        "",
        "| accounts | rows | stage | wall s | CPU s | peak RSS MiB |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for s in result["scales"]:
        for name in STAGES:
            v = s["stages"][name]
            lines.append(
                f"| {s['accounts']:,} | {s['rows']:,} | {name} | {_fmt(v['wall_s'])} |"
                f" {_fmt(v['cpu_s'])} | {_fmt(v['peak_rss_mib'], 0)} |"
            )
    lines += [
        "",
        "## Goals",
        "",
        "| accounts | ratio | value | goal | status |",
        "|---:|---|---:|---|---|",
    ]
    for s in result["scales"]:
        for name, r in s["ratios"].items():
            digits = 0 if r["value"] > 1000 else 3
            lines.append(
                f"| {s['accounts']:,} | {name} | {_fmt(r['value'], digits)} |"
                f" {r['op']} {r['goal']:,} | {'met' if r['met'] else '**missed**'} |"
            )
    if result["growth"]:
        lines += [
            "",
            "## Growth per 10x data (goal: about 10x, none much worse)",
            "",
            "| from → to | stage | wall factor | RSS factor |",
            "|---|---|---:|---:|",
        ]
        for g in result["growth"]:
            for name, f in g["stages"].items():
                lines.append(
                    f"| {g['from']:,} → {g['to']:,} | {name} | {_fmt(f['wall_s'])} |"
                    f" {_fmt(f['peak_rss_mib'])} |"
                )
    lines += ["", "## Notes", ""] + [f"- {n}" for n in NOTES] + [""]
    return "\n".join(lines)


NOTES = [
    "ingest_baseline: `create or replace table as select * from read_csv('<entity>/*.csv',"
    " union_by_name = true)` per entity folder, no contract checks or quarantine.",
    "dbt_baseline: each model's compiled SQL from the manifest, in DAG order, as"
    " `create or replace table|view`, then each test as `select count(*)`, in one DuckDB"
    " connection on a copy of the built warehouse; no contracts, hooks, snapshots or"
    " incremental logic (incremental models are rebuilt whole).",
    "incremental: before the full build, the newest 1% of rows by `updated_at` are"
    " moved out of the landing files into `<entity>/<last>-late.csv` files (`split_landing`;"
    " reference entities stay whole). The incremental stage loads those files and runs"
    " `dbt build` without full refresh; compared with the full build (ingest + dbt build"
    " of the other 99%).",
    "dbt_build: `dbt build` with the pipeline's arguments (`revops.dbt_cli`: unit tests"
    " excluded; they run in `make test`) after an untimed `dbt parse` (deploy-time work:"
    " the pipeline builds from a parsed manifest); the parse time is in the JSON.",
    "gx: `expectations.runner.validate` of every suite, with data docs.",
    "generate: the generator's own rows/s for the whole CSV company (`--months`, 36 by default).",
    "Growth factors are normalised to 10x rows (rows, not accounts).",
    "Wall times at small scales are dominated by process and dbt start-up (dbt build"
    " of 30 accounts takes about 16 s, GX about 9 s), so small-scale ratios overstate"
    " the per-row cost and growth factors understate it.",
    "What limits the missed goals (first reading, not yet profiled with EXPLAIN ANALYZE"
    " or py-spy): dbt build vs compiled SQL is dbt's fixed parse/compile/test overhead"
    " (1.9 at 100,000 accounts, 6 at 10,000); incremental vs full stays near 1 because"
    " only `flagged_history` is incremental, so every intermediate and mart table is"
    " rebuilt; generator rows/s includes fixed set-up (name pools) and rises with scale.",
    "Numbers are from a shared 2-core machine; other sessions' tests ran at the same"
    " time, so expect noise of tens of percent.",
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
    bench_md.write_text(markdown(result))
    print(f"bench: wrote {path} and {bench_md}", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--scales", default="10000,100000", help="comma-separated account counts")
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
    os.environ["REVOPS_MEMORY_LIMIT"] = a.memory_limit
    os.environ["REVOPS_THREADS"] = a.threads
    scales = [int(s.replace("_", "")) for s in a.scales.split(",") if s.strip()]
    run(scales, a.work, a.results, a.out, months=a.months)
    return 0
