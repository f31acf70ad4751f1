"""CSAT responses and product usage in the star schema, on a hand-made raw layer, with real
dbt runs (the pattern of test_dbt_leads_activities.py).

Three loads land in `raw` one after the other (tests/dbt/raw_layer.py), with a `dbt
build` of the star schema after each (its tests must pass):

1. a response of a missing account and usage rows of a missing account or product are
   flagged orphan_reference (usage rows named account_id|product_id|month);
2. the missing account and product arrive: the flags resolve and the rows enter the
   facts, through the incremental build's "key not in the fact yet" branch on a
   composite key; a later usage file replaces a row (a reference entity: the later file
   wins);
3. a response is deleted and a product is deleted: the response leaves
   fct_csat_responses, the product's usage row is flagged again and leaves
   fct_product_usage (the post-hook deletes on the composite key).

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
JAN = "2025-01-01"


def _account(account_id: str) -> dict[str, object]:
    return dict(account_id=account_id, name=f"Account {account_id}", owner_rep_id="R1",
                created_at=TS, updated_at=TS)  # fmt: skip


def _product(product_id: str, **extra: object) -> dict[str, object]:
    return dict(product_id=product_id, sku=product_id, name=f"Product {product_id}",
                family="platform", pricing_model="recurring", billing_interval_months=1,
                list_price="10", currency="USD", unit_cost="2", is_active=True,
                updated_at=TS, **extra)  # fmt: skip


def _response(response_id: str, account_id: str, score: int, **extra: object) -> dict:
    return dict(response_id=response_id, account_id=account_id,
                responded_at="2025-01-10T10:00:00Z", score=score,
                comment="call me on +1 555 0100", updated_at=TS, **extra)  # fmt: skip


def _usage(account_id: str, product_id: str, active_users: int) -> dict[str, object]:
    return dict(account_id=account_id, product_id=product_id, month=JAN, licensed_seats=10,
                active_users=active_users, new_users=1)  # fmt: skip


def load_1(wh: Path) -> None:
    """Account A1 and products P1, P2 land. CS1 (A1) is fine, CS2's account A2 is
    missing. Usage: A1 P1 fine; A2 P1 (account missing) and A1 P3 (product missing)."""
    create_raw_tables(wh)
    append_file(wh, "accounts", "2025-03-01.csv", [_account("A1")], T1)
    append_file(wh, "products", "2025-03-01.csv", [_product("P1"), _product("P2")], T1)
    append_file(wh, "csat_responses", "2025-03-01.csv",
                [_response("CS1", "A1", 5), _response("CS2", "A2", 2)], T1)  # fmt: skip
    append_file(wh, "product_usage", "2025-03-01.csv",
                [_usage("A1", "P1", 3), _usage("A2", "P1", 4), _usage("A1", "P3", 5)],
                T1)  # fmt: skip


def load_2(wh: Path) -> None:
    """A2 and P3 land; a later usage file replaces A1 P1 (3 -> 7 active users)."""
    append_file(wh, "accounts", "2025-03-02.csv", [_account("A2")], T2)
    append_file(wh, "products", "2025-03-02.csv", [_product("P3")], T2)
    append_file(wh, "product_usage", "2025-03-02.csv", [_usage("A1", "P1", 7)], T2)


def load_3(wh: Path) -> None:
    """CS1 is deleted (a later version); product P3 is deleted."""
    later = "2025-03-02T00:00:00Z"
    append_file(wh, "csat_responses", "2025-03-03.csv",
                [{**_response("CS1", "A1", 5), "updated_at": later, "is_deleted": True}],
                T3)  # fmt: skip
    append_file(wh, "products", "2025-03-03.csv",
                [{**_product("P3"), "updated_at": later, "is_deleted": True}], T3)  # fmt: skip


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    return build_after_each_load(
        tmp_path_factory.mktemp("dbt_customer_success"), [load_1, load_2, load_3]
    )


def _flags(wh: Path) -> set[tuple[str, str, str, str]]:
    return set(
        query(
            wh,
            "select entity, record_key, reason, detail from audit.flagged"
            " where entity in ('csat_responses', 'product_usage')",
        )
    )


def _responses(wh: Path) -> set[tuple]:
    return set(query(wh, "select response_id, score, is_satisfied from marts.fct_csat_responses"))


def _usage_rows(wh: Path) -> set[tuple]:
    return {
        (a, p, str(m), active)
        for a, p, m, active in query(
            wh, "select account_id, product_id, month, active_users from marts.fct_product_usage"
        )
    }


def test_unknown_accounts_and_products_are_flagged(builds):
    wh = builds["after_1"]
    assert _flags(wh) == {
        ("csat_responses", "CS2", "orphan_reference", "account_id A2 is not in accounts"),
        ("product_usage", f"A2|P1|{JAN}", "orphan_reference", "account_id A2 is not in accounts"),
        ("product_usage", f"A1|P3|{JAN}", "orphan_reference", "product_id P3 is not in products"),
    }
    excluded = query(
        wh,
        "select entity, record_key from intermediate.int_records_excluded"
        " where entity in ('csat_responses', 'product_usage')",
    )
    assert set(excluded) == {
        ("csat_responses", "CS2"),
        ("product_usage", f"A2|P1|{JAN}"),
        ("product_usage", f"A1|P3|{JAN}"),
    }
    assert _responses(wh) == {("CS1", 5, True)}
    assert _usage_rows(wh) == {("A1", "P1", JAN, 3)}


def test_no_comment_in_the_csat_fact(builds):
    columns = query(
        builds["after_1"],
        "select column_name from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'fct_csat_responses'",
    )
    assert "comment" not in {c[0] for c in columns}


def test_flagged_rows_enter_the_facts_once_their_parents_land(builds):
    wh = builds["after_2"]
    assert _flags(wh) == set()
    assert _responses(wh) == {("CS1", 5, True), ("CS2", 2, False)}
    # A1 P1 is replaced by the later file (7 active users), not added twice
    assert _usage_rows(wh) == {("A1", "P1", JAN, 7), ("A2", "P1", JAN, 4), ("A1", "P3", JAN, 5)}


def test_deleted_responses_and_products_leave_the_facts(builds):
    wh = builds["after_3"]
    assert _flags(wh) == {
        ("product_usage", f"A1|P3|{JAN}", "orphan_reference", "product_id P3 is not in products"),
    }
    assert _responses(wh) == {("CS2", 2, False)}
    assert _usage_rows(wh) == {("A1", "P1", JAN, 7), ("A2", "P1", JAN, 4)}


def test_full_refresh_equals_the_incremental_sequence(builds):
    for fact in ("fct_csat_responses", "fct_product_usage"):
        incremental = sorted(query(builds["after_3"], f"select * from marts.{fact}"), key=repr)
        full = sorted(query(builds["full_refresh"], f"select * from marts.{fact}"), key=repr)
        assert incremental == full, fact
