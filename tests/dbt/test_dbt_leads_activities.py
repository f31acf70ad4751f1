"""Leads and activities in the star schema, on a hand-made raw layer, with real dbt runs.

Three loads land in `raw` one after the other (tests/dbt/raw_layer.py), with a `dbt
build` of the star schema after each (its tests, relationships of the facts included,
must pass):

1. leads and activities whose references are missing (orphan_reference) or whose parent
   is excluded (an activity on a flagged lead or quote);
2. the missing accounts, lead and quote arrive: every flag resolves and every lead and
   activity enters the facts;
3. a new version of a lead converts it into an account that never landed: the lead is
   flagged again and leaves fct_leads, its activity leaves fct_activities.

A copy after load 3 rebuilt with `--full-refresh` equals the incremental result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.dbt.raw_layer import append_file, create_raw_tables
from tests.dbt.star import build_after_each_load, query

T1 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
T2 = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)
T3 = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
TS = "2025-01-01T00:00:00Z"


def _quote(quote_id: str, account_id: str) -> dict[str, object]:
    return dict(quote_id=quote_id, account_id=account_id, owner_rep_id="R1",
                status="draft", currency="USD", created_at="2025-02-01T09:00:00Z",
                updated_at=TS)  # fmt: skip


def _account(account_id: str) -> dict[str, object]:
    return dict(account_id=account_id, name=f"Account {account_id}", owner_rep_id="R1",
                created_at=TS, updated_at=TS)  # fmt: skip


def load_1(wh: Path) -> None:
    """Account A1 and quote Q1 are fine; Q2's account A3 is missing (flagged).
    Leads: L1 converted into A1 (fine), L2 converted into the missing A2 (flagged), L3 new
    (no account; its rep R7 appears nowhere else). Activities: ACT1 (A1, L1, Q1) fine;
    ACT2's account A2 (its rep R8 appears nowhere else), ACT3's lead L4 and ACT4's quote Q3
    are missing (flagged); ACT5 is on the flagged lead L2 and ACT6 on the flagged quote Q2
    (excluded through their parent). Rep R9 has only a forecast submission."""
    create_raw_tables(wh)
    append_file(wh, "accounts", "2025-03-01.csv", [_account("A1")], T1)
    append_file(wh, "quotes", "2025-03-01.csv", [_quote("Q1", "A1"), _quote("Q2", "A3")], T1)
    append_file(wh, "leads", "2025-03-01.csv", [
        dict(lead_id="L1", created_at="2025-01-05T10:00:00Z", source_channel="inbound",
             owner_rep_id="R1", status="converted", converted_at="2025-02-01T10:00:00Z",
             converted_account_id="A1", email="l1@lead.test", updated_at=TS),
        dict(lead_id="L2", created_at="2025-01-06T10:00:00Z", owner_rep_id="R1",
             status="converted", converted_at="2025-02-02T10:00:00Z",
             converted_account_id="A2", updated_at=TS),
        dict(lead_id="L3", created_at="2025-01-07T10:00:00Z", owner_rep_id="R7",
             status="new", updated_at=TS),
    ], T1)  # fmt: skip
    append_file(wh, "activities", "2025-03-01.csv", [
        dict(activity_id="ACT1", owner_rep_id="R1", activity_type="call",
             occurred_at="2025-01-10T10:00:00Z", account_id="A1", lead_id="L1", quote_id="Q1",
             updated_at=TS),
        dict(activity_id="ACT2", owner_rep_id="R8", activity_type="email",
             occurred_at="2025-01-11T10:00:00Z", account_id="A2", updated_at=TS),
        dict(activity_id="ACT3", owner_rep_id="R1", activity_type="meeting",
             occurred_at="2025-01-12T10:00:00Z", lead_id="L4", updated_at=TS),
        dict(activity_id="ACT4", owner_rep_id="R1", activity_type="demo",
             occurred_at="2025-01-13T10:00:00Z", quote_id="Q3", updated_at=TS),
        dict(activity_id="ACT5", owner_rep_id="R1", activity_type="call",
             occurred_at="2025-01-14T10:00:00Z", lead_id="L2", updated_at=TS),
        dict(activity_id="ACT6", owner_rep_id="R1", activity_type="call",
             occurred_at="2025-01-15T10:00:00Z", account_id="A1", quote_id="Q2",
             updated_at=TS),
    ], T1)  # fmt: skip
    append_file(wh, "forecast_submissions", "2025-03-01.csv", [
        dict(owner_rep_id="R9", forecast_month="2025-02-01",
             submitted_at="2025-01-31T10:00:00Z", commit_amount_usd="1000"),
    ], T1)  # fmt: skip


def load_2(wh: Path) -> None:
    """The missing parents land: accounts A2 and A3, lead L4, quote Q3."""
    append_file(wh, "accounts", "2025-03-02.csv", [_account("A2"), _account("A3")], T2)
    append_file(wh, "leads", "2025-03-02.csv", [
        dict(lead_id="L4", created_at="2025-01-08T10:00:00Z", owner_rep_id="R1",
             status="working", updated_at=TS),
    ], T2)  # fmt: skip
    append_file(wh, "quotes", "2025-03-02.csv", [_quote("Q3", "A1")], T2)


def load_3(wh: Path) -> None:
    """A new version of L1 converts it into A9, an account that never landed."""
    append_file(wh, "leads", "2025-03-03.csv", [
        dict(lead_id="L1", created_at="2025-01-05T10:00:00Z", source_channel="inbound",
             owner_rep_id="R1", status="converted", converted_at="2025-02-01T10:00:00Z",
             converted_account_id="A9", updated_at="2025-03-02T00:00:00Z"),
    ], T3)  # fmt: skip


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    return build_after_each_load(
        tmp_path_factory.mktemp("dbt_leads_activities"), [load_1, load_2, load_3]
    )


def _flags(wh: Path) -> set[tuple[str, str, str, str]]:
    return set(
        query(
            wh,
            "select entity, record_key, reason, detail from audit.flagged"
            " where entity in ('quotes', 'leads', 'activities')",
        )
    )


def _keys(wh: Path, fact: str, key: str) -> set[str]:
    return {row[0] for row in query(wh, f"select {key} from marts.{fact}")}


def test_unresolved_references_are_flagged_and_children_excluded(builds):
    wh = builds["after_1"]
    assert _flags(wh) == {
        ("quotes", "Q2", "orphan_reference", "account_id A3 is not in accounts"),
        ("leads", "L2", "orphan_reference", "converted_account_id A2 is not in accounts"),
        ("activities", "ACT2", "orphan_reference", "account_id A2 is not in accounts"),
        ("activities", "ACT3", "orphan_reference", "lead_id L4 is not in leads"),
        ("activities", "ACT4", "orphan_reference", "quote_id Q3 is not in quotes"),
    }
    excluded = query(
        wh,
        "select record_key, excluded_by from intermediate.int_records_excluded"
        " where entity = 'activities' and not is_flagged",
    )
    assert set(excluded) == {("ACT5", "leads L2"), ("ACT6", "quotes Q2")}
    assert _keys(wh, "fct_leads", "lead_id") == {"L1", "L3"}
    assert _keys(wh, "fct_activities", "activity_id") == {"ACT1"}


def test_dim_sales_rep_knows_the_reps_of_leads_activities_and_forecasts(builds):
    rows = query(
        builds["after_1"],
        "select owner_rep_id, account_count, quote_count, lead_count, activity_count,"
        " forecast_submission_count from marts.dim_sales_rep order by owner_rep_id",
    )
    # R1: accounts A1; quotes Q1, Q2 (flagged ones count: every fact's rep is here);
    # leads L1, L2; activities ACT1, ACT3..ACT6. R7 only a lead, R8 only an activity
    # (flagged), R9 only a forecast submission.
    assert rows == [
        ("R1", 1, 2, 2, 5, 0),
        ("R7", 0, 0, 1, 0, 0),
        ("R8", 0, 0, 0, 1, 0),
        ("R9", 0, 0, 0, 0, 1),
    ]


def test_flagged_leads_and_activities_enter_the_facts_once_their_parents_land(builds):
    wh = builds["after_2"]
    assert _flags(wh) == set()
    assert _keys(wh, "fct_leads", "lead_id") == {"L1", "L2", "L3", "L4"}
    assert _keys(wh, "fct_activities", "activity_id") == {
        "ACT1", "ACT2", "ACT3", "ACT4", "ACT5", "ACT6",
    }  # fmt: skip
    resolved = query(
        wh,
        "select entity, record_key from audit.flagged_history"
        " where is_resolved and entity in ('leads', 'activities')",
    )
    assert set(resolved) == {
        ("leads", "L2"),
        ("activities", "ACT2"),
        ("activities", "ACT3"),
        ("activities", "ACT4"),
    }
    # L2 converted 2025-01-06 -> 2025-02-02: 25 days to 01-31, + 2 = 27 days
    assert query(
        wh, "select is_qualified, is_converted, days_to_convert, converted_account_id"
        " from marts.fct_leads where lead_id = 'L2'",
    ) == [(True, True, 27, "A2")]  # fmt: skip


def test_a_lead_flagged_later_leaves_the_facts_with_its_activities(builds):
    wh = builds["after_3"]
    assert _flags(wh) == {
        ("leads", "L1", "orphan_reference", "converted_account_id A9 is not in accounts"),
    }
    assert _keys(wh, "fct_leads", "lead_id") == {"L2", "L3", "L4"}
    assert _keys(wh, "fct_activities", "activity_id") == {
        "ACT2", "ACT3", "ACT4", "ACT5", "ACT6",
    }  # fmt: skip


def test_full_refresh_equals_the_incremental_sequence(builds):
    for fact in ("fct_leads", "fct_activities", "dim_sales_rep"):
        incremental = sorted(query(builds["after_3"], f"select * from marts.{fact}"), key=repr)
        full = sorted(query(builds["full_refresh"], f"select * from marts.{fact}"), key=repr)
        assert incremental == full, fact
    assert query(builds["full_refresh"], "select count(*) from marts.fct_activities") == [(5,)]
