"""Killed runs: `revops run` stopped by SIGKILL or SIGTERM at seeded points of each phase,
then run again, loses nothing, duplicates nothing and never shows readers half a version.

After every kill: no process of the run is left (no dbt building on alone), the
lock is free, the load accounting reconciles (ingestion.audit), no temporary
file is left beside the published ones. After every rerun: raw rows and load
records equal a clean run's (EXCEPT ALL both ways, without the load-time
columns), every mart and every published table equals a clean run's. Throughout,
a reader process polls serving.duckdb and the Parquet files
(tests/reliability/reader.py): no error, no read that mixes two versions.

SIGTERM must end the run with exit code 1 and one line naming the signal, the
step and what readers see.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from foundation.settings import Settings
from serving.publish import current_version
from tests.reliability.harness import (
    PHASES,
    Kill,
    Landed,
    Readers,
    Tally,
    clean_run,
    earlier,
    lock_is_free,
    mart_differences,
    orphans,
    plan_kills,
    raw_and_audit_differences,
    reconciliation_problems,
    restore,
    run_and_stop,
    stray_files,
    warehouse_lock_error,
)
from tests.reliability.reader import NOTHING, read_once
from tests.reliability.results import progress, record

# Phase lengths for the fast chain, shorter than any of them takes on the small company
# (so that the kill lands inside): measured windows are used by the long campaign.
FAST_WINDOWS = {"ingest": [1.0], "validate": [0.6, 0.6], "dbt": [15.0], "publish": [0.3]}
STOPPED = re.compile(
    r"^revops run: stopped by SIGTERM during (?P<step>[\w-]+); (?P<kept>the previous published "
    r"version is unchanged|nothing is published yet|the new version was published before it "
    r"stopped)$"
)


def _after_kill(landed: Landed, warehouse: Path, published_before: str, had_serving: bool):
    """What must hold the moment a run has been killed or stopped."""
    assert orphans(warehouse) == [], landed
    assert lock_is_free(warehouse), landed
    assert warehouse_lock_error(warehouse) == "", landed
    assert reconciliation_problems(warehouse) == [], landed
    published = read_once(warehouse.parent)
    assert published.mixes == [], landed
    if landed.finished_first:
        return
    if landed.kill.signal_name == "SIGKILL":
        assert landed.exit_code == -9, landed
        return
    assert landed.exit_code == 1, landed
    reasons = [line for _, line in landed.lines if line.startswith("revops run:")]
    assert len(reasons) == 1, landed.lines[-5:]
    stopped = STOPPED.match(reasons[0])
    assert stopped, reasons[0]
    settings = Settings(landing=warehouse.parent, warehouse=warehouse)
    if current_version(settings) != published_before:
        assert stopped["kept"] == "the new version was published before it stopped", landed
    elif had_serving:
        assert stopped["kept"] == "the previous published version is unchanged", landed
    else:
        assert stopped["kept"] == "nothing is published yet", landed


def _kill(landing: Path, warehouse: Path, kill: Kill, windows) -> Landed:
    settings = Settings(landing=landing, warehouse=warehouse)
    before, had_serving = current_version(settings), settings.serving.exists()
    landed = run_and_stop(landing, warehouse, kill, windows)
    _after_kill(landed, warehouse, before, had_serving)
    return landed


def _compare(warehouse: Path, reference: Path, tally: Tally) -> None:
    """After a rerun: raw and load records, marts and the published tables as a clean run's;
    nothing left behind (what a killed run left, the rerun has removed)."""
    assert stray_files(warehouse) == []
    assert len(list((warehouse.parent / ".published").iterdir())) <= 3  # current, 2 versions
    raw = raw_and_audit_differences(warehouse, reference)
    tally.add_raw(raw)
    assert raw == {}
    assert mart_differences(warehouse, reference) == {}
    serving = warehouse.parent / "serving.duckdb"
    assert mart_differences(serving, reference.parent / "serving.duckdb") == {}


def _check_reads(reports: list[dict], tally: Tally, warehouse: Path, before: str) -> None:
    """No error, no mixed read, and only versions that were published, in the order they
    were: the one before (`before`) or one still kept in .published (the last two)."""
    tally.add_reads(reports)
    kept = {p.name for p in (warehouse.parent / ".published").iterdir()}
    for report in reports:
        assert report["errors"] == [], report["errors"][:3]
        assert report["mixes"] == [], report["mixes"][:3]
        assert report["reads"] > 0
        seen = [version for version in report["versions"] if version != NOTHING]
        assert set(seen) <= kept | {before}, (seen, kept, before)
        assert seen == sorted(seen), seen  # version names sort by their time


def _outcome(tally: Tally, started: float, signal_name: str) -> dict[str, int | float | str]:
    return {
        f"{signal_name} sent": len(tally.kills),
        **{f"landed in {phase}": n for phase, n in tally.by_phase().items()},
        "kills survived": len(tally.kills),
        "runs that ended before their kill point (tried again earlier)": tally.finished_first,
        "reader polls": tally.reads,
        "reader errors": tally.reader_errors,
        "mixed reads": tally.mixed_reads,
        "versions seen": len(tally.versions_seen),
        "raw rows lost": tally.rows_lost,
        "raw rows duplicated": tally.rows_duplicated,
        "minutes": round((time.monotonic() - started) / 60, 1),
    }


@pytest.mark.timeout(1800)  # six runs, and the clean run of tests/conftest.py if not made yet
def test_a_chain_of_killed_runs_recovers_and_readers_never_see_half_a_version(
    request, tmp_path, flawed_company, pipeline_warehouse
):
    """Fast: on an empty warehouse, runs killed one after the other (SIGTERM during ingest,
    SIGKILL in ingest, dbt and publish, then SIGTERM during dbt), each starting where the
    last stopped; one rerun to the end equals the clean run of the same landing
    (tests/conftest.py)."""
    started = time.monotonic()
    warehouse = tmp_path / "wh" / "revops.duckdb"
    warehouse.parent.mkdir()
    # A SIGTERM while files load (an ingest step tries again after an error, never
    # after a stop), one SIGKILL in each phase but validate (a kill there costs a whole
    # dbt build like one in publish; the long campaign has 20), and a SIGTERM while dbt
    # builds.
    planned = plan_kills(seed=20, per_phase=1)
    kills = [
        Kill("ingest", 0.5, "SIGTERM"),
        *(k for k in planned if k.phase != "validate"),
        Kill("dbt", 0.5, "SIGTERM"),
    ]
    readers = Readers(warehouse.parent, tmp_path / "readers")
    tally = Tally()
    try:
        for kill in kills:
            tally.kills.append(_kill(flawed_company, warehouse, kill, FAST_WINDOWS))
        clean_run(flawed_company, warehouse)
    finally:
        reports = readers.stop()
    assert [landed.phase for landed in tally.kills] == [kill.phase for kill in kills]
    _check_reads(reports, tally, warehouse, before="")
    _compare(warehouse, pipeline_warehouse, tally)
    record(
        request.node.nodeid,
        "On an empty warehouse, five runs of the flawed small company (60 accounts) stopped "
        "one after the other (SIGTERM in ingest, SIGKILL in ingest, dbt and publish, then "
        "SIGTERM in dbt), then one rerun compared with a clean run; a reader polling throughout.",
        _outcome(tally, started, "signals"),
    )


def _campaign(request, tmp_path, company, reference, kills: list[Kill], what: str) -> None:
    """Each kill on a copy of the state before the last quarter landed, then a rerun,
    compared with the clean run of the same work; a reader polls throughout each cycle.

    A kill that lands in a later phase than planned (the run went through its phase
    faster than the clean run did) counts for the phase it landed in, and the phase
    gets another try halfway to its start (up to 5), so that each phase gets its
    planned number of kills."""
    started = time.monotonic()
    warehouse = reference.warehouse
    tally = Tally()
    pending, tries = list(kills), 0
    while pending:
        kill = pending.pop(0)
        number = len(tally.kills) + tally.finished_first
        restore(reference.before, warehouse.parent)
        before = current_version(Settings(landing=company.full, warehouse=warehouse))
        readers = Readers(warehouse.parent, tmp_path / f"readers-{number}")
        try:
            landed = _kill(company.full, warehouse, kill, reference.windows)
            if landed.finished_first:
                tally.finished_first += 1
            else:
                tally.kills.append(landed)
            clean_run(company.full, warehouse)
        finally:
            reports = readers.stop()
        _check_reads(reports, tally, warehouse, before)
        _compare(warehouse, reference.after_warehouse, tally)
        if landed.phase != kill.phase and tries < 5:
            pending.insert(0, earlier(kill))
            tries += 1
        elif landed.phase == kill.phase:
            tries = 0
        progress(
            request.node.nodeid,
            f"{number + 1} ({len(pending)} to go) {kill.signal_name} {kill.phase} "
            f"{kill.fraction}: landed in {landed.phase} at {landed.at:.1f}s, "
            f"exit {landed.exit_code}; rerun equal; landed so far {tally.by_phase()}",
        )
    per_phase = len(kills) // len(PHASES)
    assert all(tally.by_phase().get(phase, 0) >= per_phase for phase in PHASES), tally.by_phase()
    outcome = _outcome(tally, started, kills[0].signal_name)
    record(request.node.nodeid, what, {"planned per phase": per_phase, **outcome})


@pytest.mark.reliability_long
@pytest.mark.timeout(8 * 3600)
@pytest.mark.parametrize(
    ("signal_name", "per_phase", "seed"), [("SIGKILL", 20, 80), ("SIGTERM", 20, 5)]
)
def test_a_campaign_of_stopped_runs(
    request, tmp_path, crash_company, crash_reference, signal_name, per_phase, seed
):
    """Long: `per_phase` seeded points in each phase (80 SIGKILLs, then 80 SIGTERMs), each on
    a copy of the warehouse before the last quarter landed, then a rerun."""
    _campaign(
        request,
        tmp_path,
        crash_company,
        crash_reference,
        plan_kills(seed, per_phase, signal_name),
        f"{signal_name} at {per_phase} seeded points of each phase (ingest, dbt, validate, "
        "publish) of a run that lands the last quarter of a 120-account company, each on a "
        "copy of the warehouse before it and followed by a rerun compared with a clean run; "
        "a reader polling throughout.",
    )
