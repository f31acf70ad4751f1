"""The engines benchmark: one company's dbt work on DuckDB, Postgres and Spark, side by side.

`python -m bench --engines --scales 2000,100000` (`make bench-engines`): at each scale
one generated company, loaded once into the DuckDB warehouse (the suite's generate and ingest
stages), then on each engine, in a process of its own (`bench.stages.engine_build`):
ship the raw batches, `dbt build` of every model but those reading `ml.*`, the churn
step, `dbt build` of those. Postgres is a cluster the bench starts in a temp folder
(`foundation.engines.local_postgres`, POSTGRES_CONF) and stops; Spark a local session
(`local[2]`) on a new folder under the work folder. Each engine's marts are counted
after its build and compared with DuckDB's.

Results go to `bench/results/<date>-engines.json` and to the section "Engines (<scales>
accounts)" of BENCHMARKS.md, spliced in place; a full `make bench` renders the section
again from the newest `*-engines.json`, so it keeps it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.suite import MONTHS, SEED, START, machine, run_stage
from foundation.engines.local_postgres import postgres_binary, start_postgres

ENGINES = ("duckdb", "postgres", "spark")
LABELS = {"duckdb": "DuckDB (the file)", "postgres": "Postgres", "spark": "Spark local[2]"}
# The bench's Postgres server, for a 2-core, 24 GiB machine that runs dbt and the bench
# beside it: a quarter of memory for shared buffers, parallel query capped at the two
# cores, and commits that do not wait for the WAL flush; fsync stays on.
POSTGRES_CONF = {
    "shared_buffers": "4GB",
    "effective_cache_size": "12GB",
    "work_mem": "128MB",
    "maintenance_work_mem": "1GB",
    "max_worker_processes": "4",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "1",
    "random_page_cost": "1.1",
    "effective_io_concurrency": "200",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "synchronous_commit": "off",
    "fsync": "on",
    # Diagnostics: the plan of any statement slower than this goes to the server log.
    "session_preload_libraries": "auto_explain",
    "auto_explain.log_min_duration": "30s",
}
AUTO_EXPLAIN_AFTER = "30 s"
SPARK_DRIVER_MEMORY = "6g"  # the driver JVM's heap (SPARK_DRIVER_MEMORY): local[2] runs in it
SLOWEST = 5  # dbt nodes named per engine
TITLE = "## Engines ("
RESULTS_SUFFIX = "-engines.json"


def _versions() -> dict[str, str]:
    postgres = subprocess.run(
        [postgres_binary("postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    packages = ("duckdb", "dbt-core", "dbt-duckdb", "dbt-postgres", "dbt-spark", "pyspark")
    return {"postgres": postgres, **{name: version(name) for name in packages}}


OK_STATUSES = ("success", "pass", "warn")  # a warning test is a finding, not a failed build


def _node_name(unique_id: str | None) -> str:
    """`model.revops.fct_mrr` -> fct_mrr (a test's hash suffix left off)."""
    return unique_id.split(".")[2] if unique_id else "?"


def _nodes_summary(nodes: list[dict]) -> dict:
    """How many dbt nodes ran (not the exposures' no-ops), of which kind, their summed time,
    the slowest (by name: `model.revops.fct_mrr` -> fct_mrr) and any that did not succeed."""
    ran = [node for node in nodes if node["status"] != "no-op"]
    kinds: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for node in ran:
        kind = node["node"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        statuses[node["status"]] = statuses.get(node["status"], 0) + 1
    slowest = sorted(ran, key=lambda node: -node["s"])[:SLOWEST]
    return {
        "count": len(ran),
        "kinds": kinds,
        "statuses": statuses,
        "seconds": round(sum(node["s"] for node in ran), 2),
        "not_success": sorted(n["node"] for n in ran if n["status"] not in OK_STATUSES),
        "slowest": [[_node_name(node["node"]), node["s"]] for node in slowest],
    }


def slow_statements(log: str) -> list[dict]:
    """The statements auto_explain logged (over AUTO_EXPLAIN_AFTER): seconds, the dbt node
    (from dbt's query comment) and the plan, from a Postgres server log."""
    found = []
    for match in re.finditer(r"duration: ([0-9.]+) ms\s+plan:\n(.*?)(?=\n\S|\Z)", log, re.S):
        plan = match.group(2)
        node = re.search(r'"node_id": "([^"]+)"', plan)
        found.append(
            {
                "s": round(float(match.group(1)) / 1000, 1),
                "node": node.group(1) if node else None,
                "plan": plan[:8000],
            }
        )
    return found


def _engine_run(engine: str, args: dict, work: Path) -> dict:
    """The engine_build stage on `engine`: its server started and stopped around it."""
    if engine == "postgres":
        server = start_postgres(conf=POSTGRES_CONF)
        try:
            pg = {
                **args,
                "postgres": asdict(server.postgres),
                "server_pid": server.postmaster_pid(),
            }
            out = run_stage("engine_build", pg)
        finally:
            log = server.log.read_text(errors="replace") if server.log.is_file() else ""
            (work / "postgres-server.log").write_text(log)
            server.stop()
        return {**out, "slow_statements": slow_statements(log)}
    if engine == "spark":
        spark_dir = work / "spark"
        shutil.rmtree(spark_dir, ignore_errors=True)
        env = {"SPARK_DRIVER_MEMORY": SPARK_DRIVER_MEMORY}
        return run_stage("engine_build", {**args, "spark_dir": str(spark_dir)}, extra_env=env)
    return run_stage("engine_build", args)


def compare_marts(ours: dict[str, int], reference: dict[str, int] | None) -> list[str]:
    """The marts whose row counts differ from the reference's (missing ones included)."""
    if reference is None:
        return []
    return sorted(t for t in set(ours) | set(reference) if ours.get(t) != reference.get(t))


def run_scale(accounts: int, work: Path, engines: tuple[str, ...], months: int) -> dict:
    """Generate and load one company, then the engine_build stage on each engine. A failed
    engine is recorded (its error), not raised."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    landing, wh = work / "landing", work / "warehouse" / "revops.duckdb"
    wh.parent.mkdir()
    company = {"accounts": accounts, "start": START, "months": months, "seed": SEED}
    stages = {"generate": run_stage("generate", {"out": str(landing), **company})}
    stages["ingest"] = run_stage("ingest", {"landing": str(landing), "warehouse": str(wh)})
    runs: dict[str, dict] = {}
    for engine in engines:
        print(f"bench: {accounts:,} accounts on {engine} ...", file=sys.stderr, flush=True)
        args = {"warehouse": str(wh), "target": str(work / f"target-{engine}"), "engine": engine}
        load = os.getloadavg()[0]
        try:
            out = _engine_run(engine, args, work)
        except RuntimeError as error:
            runs[engine] = {"error": str(error), "load_1min": [load, os.getloadavg()[0]]}
            print(f"bench: {engine} failed: {error}", file=sys.stderr, flush=True)
            continue
        out["load_1min"] = [load, os.getloadavg()[0]]  # the machine is shared: before, after
        out["dbt_nodes"] = _nodes_summary(out.pop("nodes"))
        out.pop("tail", None)
        runs[engine] = out
    reference = runs.get("duckdb", {}).get("marts")
    for engine, out in runs.items():
        if "marts" in out and engine != "duckdb":
            out["marts_differ"] = compare_marts(out["marts"], reference)
    return {
        "accounts": accounts,
        "rows": stages["generate"]["rows"],
        "stages": stages,
        "engines": runs,
    }


def run_engines(
    scales: list[int],
    work: Path,
    results_dir: Path,
    bench_md: Path,
    engines: tuple[str, ...] = ENGINES,
    months: int = MONTHS,
) -> dict:
    """`run_scale` at each scale; write the JSON and splice the section into `bench_md`."""
    per = [run_scale(n, work / str(n), engines, months) for n in scales]
    now = datetime.now(UTC)
    result = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "versions": _versions(),
        "months": months,
        "postgres_conf": POSTGRES_CONF,
        "spark_driver_memory": SPARK_DRIVER_MEMORY,
        "scales": per,
        "notes": [MEASURED, *NOTES],
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{now:%Y-%m-%d}{RESULTS_SUFFIX}"
    path.write_text(json.dumps(result, indent=2) + "\n")
    text = bench_md.read_text() if bench_md.is_file() else "# Benchmarks\n"
    bench_md.write_text(splice(text, section(result)))
    print(f"bench: wrote {path} and {bench_md}", file=sys.stderr)
    return result


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _label(engine: str) -> str:
    return LABELS.get(engine, engine)


def _marts_cell(out: dict) -> str:
    marts = out["marts"]
    cell = f"{len(marts)} tables, {sum(marts.values()):,} rows"
    if "marts_differ" not in out:
        return cell
    if out["marts_differ"]:
        return f"{cell}; **differ from DuckDB's: {', '.join(out['marts_differ'])}**"
    return f"{cell}, each as DuckDB's"


def _error_summary(error: str) -> str:
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    return " / ".join(lines[:1] + lines[-2:]) if lines else "failed"


PHASES = ("ship", "dbt_build", "churn_step")


def _walls(out: dict) -> dict[str, float]:
    return {name: out["phases"].get(name, {}).get("wall_s", 0.0) for name in PHASES}


def _engine_rows(scale: dict) -> list[str]:
    rows = []
    for engine, out in scale["engines"].items():
        head = f"| {scale['accounts']:,} | {_label(engine)} |"
        if "error" in out:
            rows.append(f"{head} failed (below) | | | | | | | | |")
            continue
        wall = _walls(out)
        cpu = sum(p["cpu_s"] for p in out["phases"].values())
        server = sum(p["server_cpu_s"] for p in out["phases"].values())
        rows.append(
            f"{head} {_fmt(wall['ship'])} | {_fmt(wall['dbt_build'])} |"
            f" {_fmt(wall['churn_step'])} | {_fmt(sum(wall.values()))} | {_fmt(cpu)} |"
            f" {_fmt(server) if engine == 'postgres' else '-'} |"
            f" {_fmt(out['peak_rss_mib'], 0)} | {out['dbt_nodes']['count']} | {_marts_cell(out)} |"
        )
    return rows


def _measured_lines(scale: dict, cores: int) -> list[str]:
    """Sentences computed from one scale's runs: each engine against DuckDB, the slowest
    nodes, Postgres' slow statements, failures and the machine's load."""
    lines = []
    runs = {engine: out for engine, out in scale["engines"].items() if "error" not in out}
    base = runs.get("duckdb")
    at = f"{scale['accounts']:,} accounts"
    for engine, out in runs.items():
        build = out["phases"]["dbt_build"]["wall_s"]
        nodes = out["dbt_nodes"]
        per_node = build / nodes["count"] if nodes["count"] else None
        text = f"{at}, {_label(engine)}: dbt build {_fmt(build, 1)} s"
        if base is not None and engine != "duckdb":
            text += f" ({_fmt(build / base['phases']['dbt_build']['wall_s'], 1)}x DuckDB's)"
        text += (
            f" for {nodes['count']} dbt nodes ({_fmt(per_node)} s each on average; the nodes'"
            f" own times in run_results add up to {_fmt(nodes['seconds'], 1)} s); slowest: "
            + ", ".join(f"{name} {_fmt(seconds, 1)} s" for name, seconds in nodes["slowest"])
            + "."
        )
        if nodes["not_success"]:
            text += f" Not successful: {', '.join(nodes['not_success'])}."
        slow = out.get("slow_statements")
        if slow:
            text += (
                f" Statements over {AUTO_EXPLAIN_AFTER} (auto_explain; plans in the JSON): "
                + ", ".join(f"{_node_name(st['node'])} {_fmt(st['s'], 1)} s" for st in slow)
                + "."
            )
        lines.append(text)
    for engine, out in scale["engines"].items():
        if "error" in out:
            lines.append(f"{at}, {_label(engine)} failed: `{_error_summary(out['error'])}`")
    loads = [
        f"{_label(engine)} {_fmt(before, 1)} -> {_fmt(after, 1)}"
        for engine, out in scale["engines"].items()
        if "load_1min" in out
        for before, after in [out["load_1min"]]
    ]
    if loads:
        lines.append(
            f"{at}: the machine is shared; its 1-minute load average before and after each"
            f" engine ({cores} cores): {'; '.join(loads)}."
        )
    return lines


def _growth_lines(scales: list[dict]) -> list[str]:
    """How each engine's dbt build grew from the smallest scale to the largest."""
    if len(scales) < 2:
        return []
    small, large = scales[0], scales[-1]
    grown = []
    for engine, out in large["engines"].items():
        before = small["engines"].get(engine, {})
        if "error" in out or "phases" not in before:
            continue
        a, b = before["phases"]["dbt_build"]["wall_s"], out["phases"]["dbt_build"]["wall_s"]
        grown.append(f"{_label(engine)} {_fmt(b / a, 1)}x ({_fmt(a, 1)} s -> {_fmt(b, 1)} s)")
    if not grown:
        return []
    return [
        f"From {small['accounts']:,} to {large['accounts']:,} accounts"
        f" ({_fmt(large['rows'] / small['rows'], 1)}x rows) dbt build grew: "
        + "; ".join(grown)
        + ". What grows much less than the rows is fixed cost: per dbt node and per process."
    ]


def section(result: dict) -> str:
    """The BENCHMARKS.md section of one engines run."""
    m, v = result["machine"], result["versions"]
    scales = result["scales"]
    accounts = [f"{s['accounts']:,}" for s in scales]
    title = " and ".join(
        [", ".join(accounts[:-1]), accounts[-1]] if len(accounts) > 1 else accounts
    )
    companies = "; ".join(
        f"{s['accounts']:,} accounts: {s['rows']:,} rows, loaded in"
        f" {_fmt(s['stages']['ingest']['wall_s'])} s"
        for s in scales
    )
    conf = ", ".join(f"{k}={val}" for k, val in result["postgres_conf"].items())
    lines = [
        f"{TITLE}{title} accounts)",
        "",
        f"Run {result['date']} with `make bench-engines"
        f" ENGINE_SCALE={','.join(str(s['accounts']) for s in scales)}` on {m['cores']} cores,"
        f" {m['memory_gib']} GiB memory. At each scale one generated company"
        f" ({result['months']} months; {companies}) is loaded once into the DuckDB"
        " warehouse, then on each engine, in a process of its own: ship the raw batches to"
        " the engine (none on DuckDB), `dbt build --exclude-resource-type unit_test"
        " --exclude source:ml+`, the churn step (`ml/churn_step.py`), `dbt build ..."
        " --select source:ml+`. dbt build s is both invocations; total s the three phases."
        f" Raw numbers: `bench/results/<date>{RESULTS_SUFFIX}`.",
        "",
        "| accounts | engine | ship s | dbt build s | churn step s | total s | CPU s"
        " | server CPU s | peak RSS MiB | dbt nodes | marts |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *[row for scale in scales for row in _engine_rows(scale)],
        "",
        f"- DuckDB {v['duckdb']}, dbt threads {m['revops_threads']}, memory limit"
        f" {m['revops_memory_limit']}.",
        f"- {v['postgres']} (a cluster the bench starts in a temp folder and stops), dbt"
        f" threads {m['revops_threads']}; server settings: {conf}.",
        f"- Spark: pyspark {v['pyspark']}, dbt-spark {v['dbt-spark']}, method session"
        f" (the JVM in the dbt process), `local[2]`, driver memory"
        f" {result['spark_driver_memory']}, Parquet tables, embedded Derby metastore in a"
        " new REVOPS_SPARK_DIR; dbt threads 1 (the profile's: one session).",
        *[f"- {line}" for scale in scales for line in _measured_lines(scale, m["cores"])],
        *[f"- {line}" for line in _growth_lines(scales)],
        f"- {MEASURED}",
        "",
        "### What changes on a cluster",
        "",
        *[f"- {note}" for note in NOTES],
    ]
    return "\n".join(lines) + "\n"


def splice(text: str, new_section: str) -> str:
    """`text` (BENCHMARKS.md) with its engines section replaced by `new_section`, or with
    `new_section` appended when it has none; the rest is kept as it is."""
    start = text.find("\n" + TITLE)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + new_section
    end = text.find("\n## ", start + 1)
    tail = "" if end < 0 else "\n" + text[end:].lstrip("\n")
    return text[:start].rstrip("\n") + "\n\n" + new_section + tail


def latest_section(results_dir: Path) -> str | None:
    """The section of the newest engines run in `results_dir` (none: None)."""
    runs = sorted(results_dir.glob(f"*{RESULTS_SUFFIX}"))
    return section(json.loads(runs[-1].read_text())) if runs else None


MEASURED = (
    "What is measured is each engine's share of a pipeline run after loading (loading,"
    " quarantine and load accounting stay in DuckDB on every engine): shipping raw, the"
    " two dbt builds and the churn step. GX and publishing (the marts read back into"
    " serving.duckdb) are not in it. CPU s is the bench's stage process and its children"
    " (dbt; Spark's JVMs, those dbt leaves behind included: the stage is their subreaper"
    " and waits for them, so a phase ends when its JVM has exited and released Derby);"
    " server CPU s is the Postgres server's processes (user + system from /proc; backends"
    " that exited through the postmaster's children time). Peak RSS is the largest client"
    " process (on Spark the driver JVM); the Postgres server's memory is not in it."
)
NOTES = [
    "Postgres is one server: on a bigger machine a query gets more parallel workers"
    " (max_parallel_workers_per_gather) and more memory for sorts, hashes and the cache,"
    " but one query never spans machines, and replicas serve readers, not dbt's writes."
    " Scaling it out means another engine (Citus, a warehouse) and another adapter.",
    "Spark local[2] runs driver and executors in one JVM on two cores: every dbt statement"
    " pays Spark's parsing, analysis and job scheduling, and every table a metastore round"
    " trip. A cluster spreads the scans, joins and Parquet writes over executors, so the"
    " data work of a statement shrinks with more executors; the fixed cost per statement"
    " (the driver's planning, the metastore, dbt's own work per node: compiling, its"
    " materialization's several statements, logging) does not, and stays a floor per node"
    " however large the cluster.",
    "Each phase on Spark starts and stops a JVM (ship, each dbt invocation, the churn"
    " step): embedded Derby lets one JVM at a time hold the metastore. A cluster runs dbt"
    " against a long-running Spark Thrift server (REVOPS_SPARK_METHOD=thrift; or a"
    " vendor's SQL endpoint), whose JVM and executors stay up between statements and"
    " runs, with a shared metastore (Hive on a database server, or a catalog service)"
    " instead of embedded Derby, and dbt can send it several statements at once (threads;"
    " here 1: one session in the dbt process). In thrift mode the pipeline's Python reads"
    " results as Parquet files the server writes into REVOPS_SPARK_DIR, so that folder"
    " must be the same path on both sides (a shared mount).",
    "Spark's tables here are plain Parquet: no row-level delete, update or merge, so the"
    " incremental facts are written with insert_overwrite of every row"
    " (`replace_rows_strategy`) and an incremental run rewrites them whole. With Delta"
    " Lake or Iceberg (jars a local session does not have) they would merge and rewrite"
    " only the files their changed rows are in.",
    "Shipping: Postgres gets each raw batch through COPY; Spark as Parquet files written"
    " by pyarrow and registered as partitions. On a cluster both cross the network from"
    " the machine that holds the DuckDB warehouse; on this machine they are local.",
]
