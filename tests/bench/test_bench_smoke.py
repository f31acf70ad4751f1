"""The bench code itself runs end to end at a tiny scale (no timing assertions)."""

from __future__ import annotations

import json
import math

from bench.suite import GOALS, STAGES, run


def test_bench_runs_end_to_end_at_a_tiny_scale(tmp_path):
    result = run([30], tmp_path / "work", tmp_path / "results", tmp_path / "BENCH.md", months=6)

    files = list((tmp_path / "results").glob("*.json"))
    assert len(files) == 1
    saved = json.loads(files[0].read_text())
    assert saved["scales"][0]["accounts"] == 30
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["memory_gib"] > 0
    scale = saved["scales"][0]
    for stage in STAGES:
        numbers = scale["stages"][stage]
        for key in ("wall_s", "cpu_s", "peak_rss_mib"):
            assert isinstance(numbers[key], int | float) and math.isfinite(numbers[key]), (
                stage,
                key,
            )
            assert numbers[key] >= 0
    assert set(scale["ratios"]) == set(GOALS)
    for name, r in scale["ratios"].items():
        assert isinstance(r["value"], int | float) and math.isfinite(r["value"]), name
        assert isinstance(r["met"], bool)
    assert scale["stages"]["dbt_baseline"]["models"] > 0
    for stage in ("dbt_build", "incremental"):
        build = scale["stages"][stage]
        seconds = [node["s"] for node in build["slowest"]]
        assert build["nodes"] > len(seconds) > 0 and seconds == sorted(seconds, reverse=True)
        assert build["nodes_s"] >= sum(seconds)
    md = (tmp_path / "BENCH.md").read_text()
    assert "| 30 |" in md and "generator_rows_per_second" in md
    assert "| 30 | incremental |" in md  # the slowest dbt nodes of the incremental run
    assert result["growth"] == []
