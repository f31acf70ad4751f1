"""The sample company's customer-success half: product usage, CSAT responses, unit costs.

The optional entities must agree with the company the generator simulates and
make the metrics of docs/metrics.md ("Customer success", "Margin") and a churn
model mean something: seats follow the billed quantities, services earn less
than subscriptions, and usage and CSAT fall before churns, though not always.
Every check reads the generated files back with DuckDB (or loads them with the
real loader); the numbers expected are worked out here from those files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from foundation.settings import Settings
from generator import DEFAULTS, Params, generate
from ingestion.audit import reconcile
from ingestion.loader import load_landing
from tests.generator.landing import csv_digests, latest, read_manifest, read_rows, scan

SUCCESS = ("csat_responses", "product_usage")
RUN_END = f"date '{DEFAULTS.start}-01' + to_months({DEFAULTS.months})"  # first day after


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The demo company (about 2,000 accounts over 36 months): current rows of the
    entities these tests read, the CSAT versions as `csat_versions`, and `platform`:
    each account's platform usage by month with the months of churn."""
    out = tmp_path_factory.mktemp("gen_success") / "landing"
    generate(out, progress=False)
    connection = duckdb.connect()
    for name in ("invoices", "invoice_lines", "products", "csat_responses"):
        connection.execute(f"create table {name} as select * from {latest(out, name)}")
    for name, table in (
        ("product_usage", "usage"),
        ("csat_responses", "csat_versions"),
        ("fx_rates", "fx"),
    ):
        connection.execute(f"create table {table} as select * from {scan(out, name, 'csv')}")
    _platform(connection)
    yield connection
    connection.close()


def _platform(con: duckdb.DuckDBPyConnection) -> None:
    """platform: account x month of platform usage with seats, its utilization, and
    `churn_month`: the first month without seats after the account's last month with
    seats, when that is inside the run (null: still a customer at the end)."""
    con.execute(
        f"""
        create table platform as
        with licensed as (
            select account_id, month, active_users / licensed_seats as utilization
            from usage
            where product_id like 'PRD-PLAT-%' and licensed_seats > 0
        ),
        spells as (
            select *, lead(month) over (partition by account_id order by month) as next_month
            from licensed
        ),
        ends as (
            select account_id, month + interval 1 month as churn_month from spells
            where (next_month is null or next_month > month + interval 1 month)
                and month + interval 1 month < {RUN_END}
        )
        select licensed.*, (
            select min(ends.churn_month) from ends
            where ends.account_id = licensed.account_id and ends.churn_month > licensed.month
        )::date as churn_month
        from licensed
        """
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()


# ---------------------------------------------------------------------------------------
# seats, users and margins
# ---------------------------------------------------------------------------------------
def test_licensed_seats_follow_the_quantities_billed(con):
    # billed: per account, recurring product and month, the quantity of the lines of
    # billable invoices whose service period covers the month (a prorated expansion
    # line adds its seats to the regular line's)
    con.execute(
        f"""
        create or replace temp table billed as
        select invoices.account_id, invoice_lines.product_id, months.month,
            sum(invoice_lines.quantity) as quantity
        from invoice_lines
        inner join invoices using (invoice_id)
        inner join products using (product_id)
        inner join (
            select unnest(generate_series(date '{DEFAULTS.start}-01',
                {RUN_END} - interval 1 month, interval 1 month))::date as month
        ) as months
            on invoice_lines.period_start <= months.month
            and months.month < invoice_lines.period_end
        where invoices.status in ('open', 'paid', 'uncollectible')
            and products.pricing_model = 'recurring'
        group by all
        """
    )
    rows, matched, unbilled, zero_seats = _one(
        con,
        """
        select count(*),
            count(*) filter (where billed.quantity = usage.licensed_seats),
            count(*) filter (where billed.quantity is null and usage.licensed_seats > 0),
            count(*) filter (where usage.licensed_seats = 0)
        from usage left join billed using (account_id, product_id, month)
        """,
    )
    assert rows > 5000 and unbilled == 0
    # every row with seats has exactly the billed quantity; rows of 0 seats are rare
    assert matched == rows - zero_seats, (rows, matched, zero_seats)
    assert 0 < zero_seats < 0.02 * rows, zero_seats
    # and every month billed has its usage row
    missing = _one(
        con,
        "select count(*) from billed anti join usage using (account_id, product_id, month)",
    )[0]
    assert missing == 0


def test_users_stay_within_the_seats_and_new_users_within_the_active_ones(con):
    rows, over_seats, new_over_active, new_unknown, utilization = _one(
        con,
        """
        select count(*),
            count(*) filter (where active_users > licensed_seats * 1.05 + 0.5
                and licensed_seats > 0),
            count(*) filter (where new_users > active_users),
            count(*) filter (where new_users is null),
            sum(active_users) / sum(licensed_seats)
        from usage
        """,
    )
    assert over_seats == 0 and new_over_active == 0, (over_seats, new_over_active)
    assert 0 < new_unknown < 0.03 * rows
    assert 0.5 < utilization < 0.9, utilization
    # new users: every user in an account's first month, a few percent afterwards
    adoption = _one(
        con,
        """
        select sum(new_users) / sum(active_users) from usage
        where month > (select min(month) from usage as first
                       where first.account_id = usage.account_id)
        """,
    )[0]
    assert 0.02 < adoption < 0.2, adoption


def test_one_time_services_earn_a_lower_margin_than_subscriptions(con):
    # cost of a line (docs/metrics.md, "Margin"): quantity x unit_cost x the months of a
    # recurring line's service period (1 without one), in the product's currency (USD
    # here), against the line's amount converted to USD at the invoice's issue date
    rates = dict(
        con.execute(
            """
            with lines as (
                select products.pricing_model,
                    invoice_lines.amount * coalesce(fx.usd_per_unit, 1) as amount_usd,
                    invoice_lines.quantity * products.unit_cost * case
                        when invoice_lines.period_start is null then 1
                        else datediff('month', invoice_lines.period_start,
                            invoice_lines.period_end) end as cost_usd
                from invoice_lines
                inner join invoices using (invoice_id)
                inner join products using (product_id)
                asof left join fx
                    on fx.currency = invoices.currency and fx.rate_date <= invoices.issued_at
                where invoices.status in ('open', 'paid', 'uncollectible')
                    and invoice_lines.amount > 0 and products.unit_cost is not null
            )
            select pricing_model, 1 - sum(cost_usd) / sum(amount_usd) from lines group by 1
            """
        ).fetchall()
    )
    assert 0.70 <= rates["recurring"] <= 0.85, rates
    assert 0.30 <= rates["one_time"] <= 0.45, rates


# ---------------------------------------------------------------------------------------
# the signal a churn model reads
# ---------------------------------------------------------------------------------------
def test_usage_and_csat_fall_in_the_months_before_a_churn(con):
    # utilization and CSAT of the 3 months before each churn, against the months of
    # accounts that do not churn within the next 3 months
    utilization = dict(
        con.execute(
            """
            select churn_month is not null and churn_month <= month + interval 3 month,
                avg(utilization)
            from platform group by 1
            """
        ).fetchall()
    )
    scores = dict(
        con.execute(
            """
            select platform.churn_month is not null
                    and platform.churn_month <= platform.month + interval 3 month,
                avg(csat_responses.score)
            from csat_responses inner join platform
                on platform.account_id = csat_responses.account_id
                and platform.month = date_trunc('month', csat_responses.responded_at)
            group by 1
            """
        ).fetchall()
    )
    churners = _one(
        con, "select count(distinct account_id) from platform where churn_month is not null"
    )[0]
    assert churners > 40, churners
    assert utilization[True] < utilization[False] - 0.05, utilization
    assert scores[True] < scores[False] - 0.2, scores


def test_the_signal_is_not_perfect(con):
    # per churn: utilization of the month before against the account's own 4-6 months
    # before; some churners keep their usage (no warning), and some accounts that stay
    # dip as deep as the warnings do
    con.execute(
        """
        create or replace temp table change as
        select *, utilization - avg(utilization) over (
                partition by account_id order by month rows between 6 preceding and 4 preceding
            ) as change
        from platform
        """
    )
    silent_churns, churns = _one(
        con,
        """
        select count(*) filter (where change >= -0.02), count(*) from change
        where month + interval 1 month = churn_month and change is not null
        """,
    )
    assert 0.1 * churns < silent_churns < 0.7 * churns, (silent_churns, churns)
    dips, months = _one(
        con,
        """
        select count(*) filter (where change < -0.15), count(*) from change
        where (churn_month is null or churn_month > month + interval 6 month)
            and change is not null
        """,
    )
    assert 0.005 * months < dips < 0.2 * months, (dips, months)


def test_usage_rises_before_an_expansion(con):
    # months before more seats (not a first contract) against the months of accounts
    # whose seats stay the same
    moves = dict(
        con.execute(
            """
            with seats as (
                select account_id, month, utilization, sum(licensed_seats) as seats,
                from usage inner join platform using (account_id, month)
                where product_id like 'PRD-PLAT-%'
                group by all
            ),
            ahead as (
                select *, max(seats) over (partition by account_id order by month
                        rows between 1 following and 3 following) as later_seats,
                    min(seats) over (partition by account_id order by month
                        rows between 1 following and 3 following) as later_min
                from seats
            )
            select case when later_seats > seats and later_min >= seats then 'expands'
                when later_seats = seats and later_min = seats then 'same' end,
                avg(utilization)
            from ahead group by 1
            """
        ).fetchall()
    )
    assert moves["expands"] > moves["same"] + 0.02, moves


# ---------------------------------------------------------------------------------------
# CSAT responses
# ---------------------------------------------------------------------------------------
def test_comments_sometimes_hold_personal_data(con):
    comments = [c for (c,) in con.execute("select comment from csat_responses").fetchall()]
    given = [c for c in comments if c]
    personal = [c for c in given if re.search(r"@|\+\d", c)]
    assert 0.2 * len(comments) < len(given) < 0.6 * len(comments)
    assert 0.02 * len(given) < len(personal) < 0.25 * len(given), len(personal)
    scores = dict(con.execute("select score, count(*) from csat_responses group by 1").fetchall())
    assert set(scores) == {1, 2, 3, 4, 5}, scores


def test_some_responses_are_revised_or_deleted_later(con):
    revised, deleted = _one(
        con,
        """
        select count(distinct response_id) filter (where scores > 1),
            count(distinct response_id) filter (where deleted)
        from (
            select response_id, count(distinct score) as scores, bool_or(is_deleted) as deleted
            from csat_versions group by 1
        )
        """,
    )
    assert revised > 10 and deleted > 5, (revised, deleted)


# ---------------------------------------------------------------------------------------
# the loader, bad rows, determinism
# ---------------------------------------------------------------------------------------
def _load(tmp_path: Path, **run) -> tuple[Path, Path]:
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    generate(landing, accounts=300, start="2023-01", months=24, seed=5, progress=False, **run)
    results = load_landing(Settings(landing, warehouse))
    assert sum(r.files_rejected for r in results) == 0, [r.messages for r in results]
    assert reconcile(Settings(landing, warehouse)) == []
    return landing, warehouse


def test_every_generated_row_passes_the_contract(tmp_path):
    landing, warehouse = _load(tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        quarantined = wh.execute("select count(*) from audit.quarantine").fetchone()[0]
        loaded = {
            name: wh.execute(f"select count(*) from raw.{name}").fetchone()[0] for name in SUCCESS
        }
    assert quarantined == 0
    assert all(n > 100 for n in loaded.values()), loaded
    # and every reference resolves: usage and responses of accounts and products that land
    con = duckdb.connect()
    unresolved = _one(
        con,
        f"""
        select count(*) from (
            select account_id, product_id from {scan(landing, "product_usage", "csv")}
            union all
            select account_id, null from {scan(landing, "csat_responses", "csv")}
        )
        where account_id not in (select account_id from {latest(landing, "accounts")})
            or product_id not in (select product_id from {latest(landing, "products")})
        """,
    )[0]
    assert unresolved == 0


def test_bad_rows_of_the_new_entities_are_quarantined_with_their_reasons(tmp_path):
    landing, warehouse = _load(tmp_path, bad_rows=0.05)
    manifest = [m for m in read_manifest(landing) if m["entity"] in SUCCESS]
    reasons = {(m["entity"], m["reason_code"]) for m in manifest}
    assert reasons == {
        ("csat_responses", "missing_required"),
        ("csat_responses", "out_of_range"),
        ("csat_responses", "unparseable"),
        ("csat_responses", "orphan_reference"),
        ("product_usage", "missing_required"),
        ("product_usage", "out_of_range"),
        ("product_usage", "orphan_reference"),
    }
    expected = {
        (m["entity"], m["file"], int(m["row_number"]), m["reason_code"])
        for m in manifest
        if m["expected_fate"] == "quarantined"
    }
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        found = set(
            wh.execute(
                "select entity, file_name, row_number, reason_code from audit.quarantine "
                "where entity in ('csat_responses', 'product_usage')"
            ).fetchall()
        )
    assert found == expected
    # the unresolved ones name an account or a product that never lands
    con = duckdb.connect()
    every_account = f"select account_id from {scan(landing, 'accounts', 'csv')}"
    accounts = {account for (account,) in con.execute(every_account).fetchall()}
    flagged = [m for m in manifest if m["expected_fate"] == "flagged"]
    assert flagged
    for m in flagged:
        row = read_rows(landing / m["file"])[int(m["row_number"]) - 1]
        unknown_product = row.get("product_id") == "PRD-UNKNOWN"
        assert (row["account_id"] not in accounts) != unknown_product, m


def test_same_seed_same_files_and_the_new_entities_move_nothing_else(tmp_path):
    run = dict(accounts=300, start="2024-01", months=12, seed=9, progress=False)
    first = csv_digests(generate(tmp_path / "a", **run).out)
    again = csv_digests(generate(tmp_path / "b", **run).out)
    assert first == again
    other_seed = csv_digests(generate(tmp_path / "c", **{**run, "seed": 10}).out)
    assert all(first[p] != other_seed.get(p) for p in first if p.split("/")[0] in SUCCESS)
    # their knobs change them, and not one byte of any other entity
    knobs = Params(usage_level=(0.3, 0.6), csat_mean_score=3.5, churn_warning_rate=0.9)
    moved = csv_digests(generate(tmp_path / "d", **run, params=knobs).out)
    changed = {path.split("/")[0] for path in first if first[path] != moved.get(path)}
    assert changed == set(SUCCESS), changed
