"""The revenue report (serving/report): written by the pipeline, self-contained, every
chart present, absent data said in words, its numbers equal to the marts, published
atomically."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import duckdb
import pytest

import serving.report as report_module
from foundation.settings import PROJECT_ROOT, Settings
from serving.report import CHART_IDS, write_report
from tests.report.page_parts import loads_something, read_page


def _page(settings: Settings):
    return read_page((settings.report_dir / "index.html").read_text(encoding="utf-8"))


def _query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        return con.execute(sql).fetchall()


def _close(shown: str, expected) -> bool:
    if expected is None:
        return shown == ""
    return math.isclose(float(shown), float(expected), rel_tol=1e-9, abs_tol=1e-9)


def test_the_pipeline_writes_a_self_contained_report(published):
    text = (published.report_dir / "index.html").read_text(encoding="utf-8")
    page = read_page(text)
    assert page.scripts_with_src == 0
    assert [url for _, url in page.urls if loads_something(url)] == []
    assert "<link" not in text.split("<script", 1)[0], "no stylesheet link before the scripts"
    assert text.count("plotly.js v") == 1, "plotly.js is inlined once"


def test_every_chart_has_its_container_definition_and_numbers(published):
    page = _page(published)
    assert list(page.charts) == list(CHART_IDS)
    for chart, attributes in page.charts.items():
        assert attributes["id"] == f"chart-{chart}"
        drawn = attributes["data-absent"] == "false"
        assert (chart in page.plots) == drawn, chart
        assert (int(attributes["data-marks"]) > 0) == drawn, chart
        assert (chart in page.absent_notes) == (not drawn), chart
        assert chart in page.tables, chart


def test_marks_are_the_non_null_values(published):
    page = _page(published)
    # ARR: one marker per month with an ARR; the bridge: one bar per movement and month.
    arr_months = _query(published, "select count(arr) from marts.metrics_monthly")[0][0]
    assert int(page.charts["arr"]["data-marks"]) == arr_months
    (bars,) = _query(
        published,
        "select count(new_mrr) + count(reactivation_mrr) + count(expansion_mrr)"
        " + count(contraction_mrr) + count(churned_mrr) from marts.metrics_monthly",
    )
    assert int(page.charts["mrr-bridge"]["data-marks"]) == bars[0]
    assert int(page.charts["funnel"]["data-marks"]) == 6  # six stages
    assert int(page.charts["cohort-retention"]["data-marks"]) == 1  # one heat-map image


def test_a_company_younger_than_13_months_has_no_nrr_and_says_so(published):
    months = _query(published, "select count(nrr_12m) from marts.metrics_monthly")[0][0]
    page = _page(published)
    if months:
        pytest.skip("this company has an NRR 12m")
    assert page.charts["retention"]["data-absent"] == "true"
    assert "13 months" in page.absent_notes["retention"]


def test_the_tables_hold_the_marts_numbers(published):
    page = _page(published)
    metrics = _query(
        published,
        "select strftime(month, '%Y-%m'), arr, new_mrr, churned_mrr, dso, win_rate "
        "from marts.metrics_monthly order by month",
    )
    arr = page.tables["arr"]
    assert [row["month"] for row in arr] == [m[0] for m in metrics]
    assert all(_close(row["arr"], m[1]) for row, m in zip(arr, metrics, strict=True))
    bridge = page.tables["mrr-bridge"]
    assert all(_close(r["new_mrr"], m[2]) for r, m in zip(bridge, metrics, strict=True))
    assert all(_close(r["churned_mrr"], m[3]) for r, m in zip(bridge, metrics, strict=True))
    aging = page.tables["ar-aging"]
    assert all(_close(r["dso"], m[4]) for r, m in zip(aging, metrics, strict=True))
    buckets = dict(
        _query(
            published,
            "select strftime(month, '%Y-%m') || '|' || bucket, amount from marts.ar_aging_monthly",
        )
    )
    for row in aging:
        for bucket in ("current", "1_30", "31_60", "61_90", "over_90"):
            assert _close(row[bucket], buckets[f"{row['month']}|{bucket}"]), (row, bucket)
    bookings = page.tables["bookings"]
    assert all(_close(r["win_rate"], m[5]) for r, m in zip(bookings, metrics, strict=True))


def test_the_funnel_and_the_quota_tables_hold_the_marts_numbers(published):
    # The funnel sums the 12 latest months of the spine: created >= latest - 11 months.
    window = "month > (select max(month) from marts.metrics_monthly) - interval 12 month"
    leads = _query(
        published,
        "select sum(leads_created), sum(leads_qualified), sum(leads_converted_paying) "
        f"from marts.lead_funnel_monthly where {window}",
    )[0]
    quotes = _query(
        published,
        "select sum(quotes_created), sum(quotes_sent), sum(quotes_won) "
        f"from marts.metrics_monthly where {window}",
    )[0]
    funnel = [int(float(row["count"])) for row in _page(published).tables["funnel"]]
    assert funnel == [int(v) for v in (*leads, *quotes)]
    reps = _query(
        published,
        "select owner_rep_id, quota_attainment from marts.sales_rep_monthly "
        "where month = (select max(month) from marts.metrics_monthly) "
        "and quota_attainment is not null order by owner_rep_id",
    )
    table = _page(published).tables["quota-attainment"]
    assert [row["owner_rep_id"] for row in table] == [rep for rep, _ in reps]
    assert all(_close(row["quota_attainment"], a) for row, (_, a) in zip(table, reps, strict=True))


def test_the_tiles_show_the_latest_month(published):
    mrr, win_rate = _query(
        published, "select mrr, win_rate from marts.metrics_monthly order by month desc limit 1"
    )[0]
    tiles = _page(published).tiles
    assert _close(tiles["mrr"], mrr) and _close(tiles["win_rate"], win_rate)
    assert {"arr", "nrr_12m", "grr_12m", "logo_churn_rate", "bookings_tcv", "dso"} <= set(tiles)


def test_without_leads_the_funnel_says_so(settings):
    """What the marts hold while leads never landed (docs/metrics.md, Landed): no rows in
    lead_funnel_monthly, every lead number of metrics_monthly null."""
    with duckdb.connect(str(settings.serving)) as con:
        con.execute("delete from marts.lead_funnel_monthly")
        con.execute("update marts.metrics_monthly set lead_conversion_rate = null")
    write_report(settings)
    page = _page(settings)
    assert page.charts["funnel"]["data-absent"] == "true"
    assert page.charts["funnel"]["data-marks"] == "0"
    assert "No leads have landed" in page.absent_notes["funnel"]
    assert "lead_conversion_rate" not in page.tiles
    assert page.charts["arr"]["data-absent"] == "false"


def test_a_failing_render_leaves_the_previous_report(settings, monkeypatch):
    first = write_report(settings)
    before = first.path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(report_module, "render_page", broken)
    with pytest.raises(RuntimeError, match="render failed"):
        write_report(settings)
    monkeypatch.undo()
    monkeypatch.setattr(os, "fsync", broken)  # fails after the temporary file is written
    with pytest.raises(RuntimeError, match="render failed"):
        write_report(settings)
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in first.path.parent.iterdir()) == ["index.html"]


def test_a_writer_killed_outright_leaves_nothing_after_the_next_write(settings):
    """A report writer killed by SIGKILL cannot remove its temporary file: the next
    write removes the files of writers that no longer run, and keeps a running one's."""
    first = write_report(settings)
    folder = first.path.parent
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    (folder / f"index.html.tmp-{dead.stdout.strip()}").write_bytes(b"<html>half")
    (folder / f"index.html.tmp-{os.getppid()}").write_bytes(b"<html>being written")
    write_report(settings)
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html",
        f"index.html.tmp-{os.getppid()}",
    ]


def _revops_report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "revops.cli", "report", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
        timeout=300,
    )


def test_revops_report_writes_where_it_is_told(settings, tmp_path):
    out = tmp_path / "elsewhere"
    done = _revops_report("--warehouse", str(settings.warehouse), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "index.html")
    assert list(read_page((out / "index.html").read_text(encoding="utf-8")).charts) == list(
        CHART_IDS
    )


def test_revops_report_without_a_serving_database_exits_1(tmp_path):
    done = _revops_report("--warehouse", str(tmp_path / "w.duckdb"))
    assert done.returncode == 1
    assert "run `revops run` first" in done.stderr
