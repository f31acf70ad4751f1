"""Running dbt in production: the `dbt build` arguments (for Dagster and the benchmark)
and a one-line account of a failed build.

Unit tests check SQL logic against fixtures, not data: they run in `make test`
(tests/dbt builds with them) and are left out of scheduled builds, as dbt advises.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from foundation.engines import EngineError, open_engine
from foundation.settings import Settings

EXCLUDE_FROM_PRODUCTION = ("--exclude-resource-type", "unit_test")
# What reads the tables of the Python models (ml/): the sources `ml.*` and every node
# downstream of them (account_360, model_evaluation, their tests). A build runs in two
# steps around the ml step: `--exclude AFTER_ML`, the step, then `--select AFTER_ML`.
AFTER_ML = "source:ml+"
# dbt's log file (target/<step>/dbt.log) at info: each node's start, end and errors. At
# debug (dbt's default for the file) it also holds every SQL statement and connection
# event, about 20 lines a node, and writing them cost about 10% of a 2,000-account build;
# the SQL dbt ran stays in target/<step>/run/.
FILE_LOG = ("--log-level-file", "info")


def dbt_vars(settings: Settings, as_of: str = "") -> dict[str, str | int]:
    """The `--vars` of every dbt invocation: where the warehouse is, DuckDB's limits and
    the engine's connection (profiles.yml reads them), and the run's as-of date (empty:
    the latest event date).

    The manifest is parsed with the same vars and target (`prepare_manifest`): dbt
    re-parses the whole project when either differs from those of the parsed manifest.
    """
    return {**settings.dbt_vars(), "as_of": as_of}


def target_args(settings: Settings) -> list[str]:
    """The profiles.yml target of `settings`' engine, and the vars its profile reads."""
    return ["--target", settings.dbt_target, "--vars", json.dumps(dbt_vars(settings))]


def build_args(settings: Settings, as_of: str = "", full_refresh: bool = False) -> list[str]:
    """`dbt build` arguments for one pipeline run, on `settings`' engine."""
    args = ["build", *EXCLUDE_FROM_PRODUCTION, *FILE_LOG, "--target", settings.dbt_target]
    args += ["--vars", json.dumps(dbt_vars(settings, as_of))]
    if full_refresh:
        args.append("--full-refresh")
    return args


BUILT_RESOURCES = ("model.", "seed.", "snapshot.")


def unreported_nodes(run_results: Mapping[str, Any], reported: set[str]) -> list[str]:
    """The models, seeds and snapshots dbt built (status success) whose event never
    reached Dagster (`reported`: the unique_ids of the step's outputs). dagster-dbt
    reads dbt's JSON log lines from stdout; a line something else wrote into (a Spark
    progress bar) is lost, with its asset: the assets downstream would be skipped and
    the run would still read as a success."""
    return sorted(
        node["unique_id"]
        for node in run_results.get("results", [])
        if node["unique_id"].startswith(BUILT_RESOURCES)
        and node.get("status") == "success"
        and node["unique_id"] not in reported
    )


# The tests of macros/column_rules.sql, one per model, are named column_rules_<model>.
COLUMN_RULES = "test.revops.column_rules_"


def failed_column_rules(run_results: Mapping[str, Any]) -> dict[str, str]:
    """The SQL of each failed column_rules test, by unique_id. dbt reports only the sum
    of its rows' failures; run on the engine, the SQL returns the rows themselves, one
    per broken rule (`broken_rule`, `failures`)."""
    return {
        node["unique_id"]: node["compiled_code"]
        for node in run_results.get("results", [])
        if node["unique_id"].startswith(COLUMN_RULES)
        and node.get("status") == "fail"
        and node.get("compiled_code")
    }


def broken_rules(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows of a column_rules test as `broken: not_null(amount) x2, ...` (rows for a
    column rule, duplicated values for a unique rule)."""
    named = [f"{row['broken_rule']} x{row['failures']}" for row in rows]
    return "broken: " + ", ".join(sorted(named)) if named else ""


def failed_nodes(run_results: Mapping[str, Any], broken: Mapping[str, str] | None = None) -> str:
    """One line naming each dbt node that errored or failed, with dbt's first message
    line, and for a column_rules test its broken rules when known (`broken`, by
    unique_id: `broken_rules` of the rows of `failed_column_rules`' SQL)."""
    broken = broken or {}
    parts = []
    for node in run_results.get("results", []):
        if node.get("status") not in ("error", "fail", "runtime error"):
            continue
        message = (node.get("message") or node["status"]).strip().splitlines()
        part = f"{node['unique_id']}: {message[0] if message else node['status']}"
        if broken.get(node["unique_id"]):
            part += f" ({broken[node['unique_id']]})"
        parts.append(part)
    if not parts:
        return "dbt build failed before running any node (see the dbt log)"
    return "dbt build failed: " + "; ".join(parts)


UNREAD = "its broken rules could not be read: {}"


def failure_account(run_results: Mapping[str, Any], settings: Settings) -> str:
    """`failed_nodes` of a failed build, with the broken rules of each failed column_rules
    test read from `settings`' engine (dbt has exited; its tables are as it left them)."""
    queries = failed_column_rules(run_results)
    if not queries:
        return failed_nodes(run_results)
    broken: dict[str, str] = {}
    try:
        with open_engine(settings) as engine:
            for unique_id, sql in queries.items():
                try:
                    broken[unique_id] = broken_rules(engine.fetch_arrow(sql).to_pylist())
                except EngineError as error:
                    broken[unique_id] = UNREAD.format(error)
    except EngineError as error:
        broken.update({uid: UNREAD.format(error) for uid in queries if uid not in broken})
    return failed_nodes(run_results, broken)
