"""The engines benchmark's section of BENCHMARKS.md, rendered from a hand-made result (no
engine runs here: `make bench-engines` runs them)."""

from __future__ import annotations

import copy
import json

from bench.engines import compare_marts, latest_section, section, slow_statements, splice


def _phases(ship: tuple, build: tuple, churn: tuple) -> dict:
    """(wall, cpu, server cpu) of each phase."""
    names = ("wall_s", "cpu_s", "server_cpu_s")
    return {
        "ship": dict(zip(names, ship, strict=True)),
        "dbt_build": dict(zip(names, build, strict=True)),
        "churn_step": dict(zip(names, churn, strict=True)),
    }


def _nodes(count: int, seconds: float, slowest: list) -> dict:
    return {"count": count, "kinds": {}, "seconds": seconds, "not_success": [], "slowest": slowest}


SCALE = {
    "accounts": 2000,
    "rows": 133_000,
    "stages": {"ingest": {"wall_s": 1.5}},
    "engines": {
        "duckdb": {
            "phases": _phases((0.0, 0.1, 0.0), (20.0, 30.0, 0.0), (2.0, 2.5, 0.0)),
            "peak_rss_mib": 512.4,
            "dbt_nodes": _nodes(200, 15.0, [["fct_mrr", 3.25]]),
            "marts": {"fct_mrr": 1000, "dim_account": 2000},
        },
        "postgres": {
            "phases": _phases((5.0, 1.0, 2.0), (50.0, 10.0, 40.0), (3.0, 2.0, 0.5)),
            "peak_rss_mib": 300.6,
            "dbt_nodes": _nodes(200, 40.0, [["fct_mrr", 9.5], ["dim_account", 1.0]]),
            "marts": {"fct_mrr": 1000, "dim_account": 2000},
            "marts_differ": [],
            "load_1min": [1.3, 2.0],
            "slow_statements": [{"s": 31.0, "node": "test.revops.rel_x.ab12", "plan": "..."}],
        },
        "spark": {
            "error": "stage engine_build failed (1):\nTraceback (most recent call last):\n"
            "  File x.py, line 1\nEngineError: spark session in /x: Java heap space\n"
        },
    },
}
RESULT = {
    "date": "2026-11-30T12:00:00Z",
    "machine": {
        "cores": 2,
        "memory_gib": 23.5,
        "revops_threads": "2",
        "revops_memory_limit": "6GB",
    },
    "versions": {
        "duckdb": "1.4.1",
        "postgres": "postgres (PostgreSQL) 15.14",
        "pyspark": "4.0.1",
        "dbt-spark": "1.9.0",
    },
    "months": 36,
    "postgres_conf": {"shared_buffers": "4GB", "fsync": "on"},
    "spark_driver_memory": "6g",
    "scales": [SCALE],
}


def test_the_table_has_a_row_per_engine_with_totals_worked_out_by_hand():
    text = section(RESULT)

    assert text.startswith("## Engines (2,000 accounts)\n")
    assert "ENGINE_SCALE=2000`" in text
    # DuckDB: total 0 + 20 + 2 = 22; CPU 0.1 + 30 + 2.5 = 32.6; no server; 2 marts of
    # 1,000 + 2,000 rows.
    assert (
        "| 2,000 | DuckDB (the file) | 0.00 | 20.00 | 2.00 | 22.00 | 32.60 | - | 512 | 200 |"
        in text
    )
    assert "| 2 tables, 3,000 rows |" in text
    # Postgres: total 5 + 50 + 3 = 58; CPU 1 + 10 + 2 = 13; server 2 + 40 + 0.5 = 42.5.
    assert (
        "| 2,000 | Postgres | 5.00 | 50.00 | 3.00 | 58.00 | 13.00 | 42.50 | 301 | 200 |"
        " 2 tables, 3,000 rows, each as DuckDB's |"
    ) in text
    assert "| 2,000 | Spark local[2] | failed (below) |" in text
    # 50 s over 20 s of DuckDB's; 50 s / 200 nodes
    assert (
        "- 2,000 accounts, Postgres: dbt build 50.0 s (2.5x DuckDB's) for 200 dbt nodes"
        " (0.25 s each"
    ) in text
    assert "slowest: fct_mrr 9.5 s, dim_account 1.0 s. Statements over 30 s" in text
    assert "(auto_explain; plans in the JSON): rel_x 31.0 s." in text
    assert (
        "- 2,000 accounts, Spark local[2] failed: `stage engine_build failed (1): /"
        " File x.py, line 1 / EngineError: spark session in /x: Java heap space`"
    ) in text
    assert "server settings: shared_buffers=4GB, fsync=on." in text
    assert "before and after each engine (2 cores): Postgres 1.3 -> 2.0." in text
    assert "dbt build grew" not in text  # one scale


def test_marts_that_differ_are_named_in_bold():
    result = copy.deepcopy(RESULT)
    engines = result["scales"][0]["engines"]
    engines["postgres"]["marts"] = {"fct_mrr": 999}
    engines["postgres"]["marts_differ"] = compare_marts(
        engines["postgres"]["marts"], engines["duckdb"]["marts"]
    )
    # fct_mrr has one row less, dim_account is missing
    assert engines["postgres"]["marts_differ"] == ["dim_account", "fct_mrr"]
    assert "**differ from DuckDB's: dim_account, fct_mrr**" in section(result)


def test_splice_replaces_the_section_and_keeps_the_rest():
    old = "# Benchmarks\n\n## Stages\n\n| a |\n\n## Engines (10 accounts)\n\nold\n"
    spliced = splice(old, "## Engines (20 accounts)\n\nnew\n")
    assert spliced == "# Benchmarks\n\n## Stages\n\n| a |\n\n## Engines (20 accounts)\n\nnew\n"
    later = "# Benchmarks\n\n## Engines (10 accounts)\n\nold\n\n### sub\n\nx\n\n## After\n\ny\n"
    assert splice(later, "## Engines (20 accounts)\n\nnew\n") == (
        "# Benchmarks\n\n## Engines (20 accounts)\n\nnew\n\n## After\n\ny\n"
    )
    assert splice("# Benchmarks\n", "## Engines (1 accounts)\n") == (
        "# Benchmarks\n\n## Engines (1 accounts)\n"
    )


def test_a_full_bench_renders_the_newest_engines_run(tmp_path):
    assert latest_section(tmp_path) is None
    older = copy.deepcopy(RESULT) | {"date": "2026-11-01T00:00:00Z"}
    (tmp_path / "2026-11-01-engines.json").write_text(json.dumps(older))
    (tmp_path / "2026-11-30-engines.json").write_text(json.dumps(RESULT))
    (tmp_path / "2026-12-01.json").write_text("{}")  # a full run's results: not an engines run
    assert latest_section(tmp_path) == section(RESULT)


def test_two_scales_give_one_table_and_the_growth_of_each_build():
    large = copy.deepcopy(SCALE) | {"accounts": 100_000, "rows": 6_650_000}
    large["engines"]["duckdb"]["phases"]["dbt_build"]["wall_s"] = 80.0
    large["engines"]["postgres"]["phases"]["dbt_build"]["wall_s"] = 400.0
    text = section(copy.deepcopy(RESULT) | {"scales": [SCALE, large]})

    assert text.startswith("## Engines (2,000 and 100,000 accounts)\n")
    assert "ENGINE_SCALE=2000,100000`" in text
    assert "| 100,000 | Postgres | 5.00 | 400.00 | 3.00 | 408.00 |" in text
    # 6,650,000 / 133,000 = 50x rows; DuckDB 80 / 20 = 4x; Postgres 400 / 50 = 8x; Spark
    # failed at both scales: no growth
    assert (
        "From 2,000 to 100,000 accounts (50.0x rows) dbt build grew: DuckDB (the file) 4.0x"
        " (20.0 s -> 80.0 s); Postgres 8.0x (50.0 s -> 400.0 s)."
    ) in text


LOG = """2026-11-30 11:48:10.000 UTC [77] LOG:  checkpoint starting: wal
2026-11-30 11:52:23.456 UTC [88] LOG:  duration: 249123.456 ms  plan:
\tQuery Text: /* {"app": "dbt", "node_id": "test.revops.rel_leads.2203900c72"} */
\tselect count(*) from x
\tAggregate  (cost=1.00..2.00 rows=1 width=8)
\t  ->  Nested Loop Anti Join  (cost=0.00..1.00 rows=1 width=0)
2026-11-30 11:52:24.000 UTC [88] LOG:  duration: 31000.0 ms  plan:
\tQuery Text: select 1
\tResult  (cost=0.00..0.01 rows=1 width=4)
"""


def test_slow_statements_are_read_from_the_server_log_with_their_dbt_node():
    found = slow_statements(LOG)
    assert [(st["s"], st["node"]) for st in found] == [
        (249.1, "test.revops.rel_leads.2203900c72"),
        (31.0, None),
    ]
    assert found[0]["plan"].endswith("Nested Loop Anti Join  (cost=0.00..1.00 rows=1 width=0)")
    assert "checkpoint" not in found[0]["plan"] and "select 1" not in found[0]["plan"]
