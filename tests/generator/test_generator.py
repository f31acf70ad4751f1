"""The sample company generator: layout, determinism, formats, bad rows, realism.

Every check reads the generated files back (DuckDB / pyarrow / csv), never the
generator's internals. Column names, types, enums, ranges and row rules come
from the contract registry, `foundation.contract` (docs/landing-contract.md).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from foundation.contract import ENTITIES, REASON_BY_CODE, entity
from generator import DEFAULTS, REASON_CODES, generate
from tests.generator.landing import (
    EXT,
    entity_files,
    latest,
    latest_from,
    read_manifest,
    read_rows,
    read_text_table,
    scan,
)

TX = ("accounts", "quotes", "quote_lines", "invoices", "invoice_lines", "payments")
SALES = ("leads", "activities")  # optional entities with versions, made with the accounts
VERSIONED = (*TX, *SALES, "csat_responses")
# Entities that get bad rows, and the reasons the optional entities must carry.
WITH_BAD_ROWS = (*VERSIONED, "forecast_submissions", "product_usage")
SALES_REASONS = {
    "leads": {
        "missing_required",
        "unparseable",
        "out_of_range",
        "unknown_enum",
        "required_when",
        "orphan_reference",
    },
    "activities": {"missing_required", "unparseable", "unknown_enum", "orphan_reference"},
    "forecast_submissions": {"missing_required", "out_of_range"},
    "csat_responses": {"missing_required", "unparseable", "out_of_range", "orphan_reference"},
    "product_usage": {"missing_required", "out_of_range", "orphan_reference"},
}
UNPARSEABLE_TEXT = "31/02/2024 25:61"


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen_small") / "landing"
    generate(out, accounts=120, start="2023-01", months=24, seed=3, progress=False)
    return out


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen_bad") / "landing"
    generate(out, accounts=300, start="2023-01", months=24, seed=5, bad_rows=0.02, progress=False)
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo default run: about 2,000 accounts over 36 months."""
    out = tmp_path_factory.mktemp("gen_demo") / "landing"
    generate(
        out,
        accounts=DEFAULTS.accounts,
        start=DEFAULTS.start,
        months=DEFAULTS.months,
        seed=DEFAULTS.seed,
        progress=False,
    )
    return out


# ---------------------------------------------------------------------------------------
# layout, columns, versions
# ---------------------------------------------------------------------------------------
def test_every_entity_has_time_ordered_files_with_the_contract_columns(small):
    for ent in ENTITIES:
        files = entity_files(small, ent.name)
        assert files, f"no files for {ent.name}"
        for path in files:
            with open(path, newline="", encoding="utf-8") as fh:
                header = next(csv.reader(fh))
            assert tuple(header) == ent.column_names, path
        if ent.name not in VERSIONED:
            continue
        assert len(files) >= 4, f"{ent.name}: expected several files, got {len(files)}"
        # name order = time order: every version in a file is later than the previous file's
        previous_max = None
        for path in files:
            times = read_text_table(path, ent.name).column("updated_at").to_pylist()
            assert all(t.endswith("Z") and "T" in t for t in times), path
            if previous_max is not None:
                assert min(times) > previous_max, path
            previous_max = max(times)


def test_later_files_carry_new_versions_and_deletes(small):
    con = duckdb.connect()
    try:
        moves = dict(
            con.execute(
                f"""
                with v as (
                    select invoice_id as k, status, filename,
                        row_number() over (partition by invoice_id order by updated_at) as n
                    from {scan(small, "invoices", "csv")}
                    union all
                    select quote_id, status, filename,
                        row_number() over (partition by quote_id order by updated_at)
                    from {scan(small, "quotes", "csv")}
                )
                select a.status || '->' || b.status, count(*)
                from v as a join v as b on a.k = b.k and b.n = a.n + 1
                where b.filename > a.filename
                group by all
                """
            ).fetchall()
        )
        for move in ("open->paid", "sent->accepted", "sent->rejected", "sent->expired"):
            assert moves.get(move, 0) > 0, f"no {move} across files: {moves}"
        for name in VERSIONED:  # versions of one key never tie on updated_at
            key = ", ".join(entity(name).key)
            ties = con.execute(
                f"""select count(*) from (select {key}, updated_at
                    from {scan(small, name, "csv")} group by all having count(*) > 1)"""
            ).fetchall()[0][0]
            assert ties == 0, name
        for name in ("accounts", "quotes", "products", "leads", "activities"):
            n = con.execute(
                f"select count(*) from {scan(small, name, 'csv')} where is_deleted"
            ).fetchone()[0]
            assert n > 0, f"no deletes in {name}"
    finally:
        con.close()


# ---------------------------------------------------------------------------------------
# determinism and formats
# ---------------------------------------------------------------------------------------
def test_same_arguments_give_byte_identical_files(tmp_path):
    args = dict(accounts=80, start="2024-01", months=12, seed=11, bad_rows=0.02, progress=False)
    first = _digest(generate(tmp_path / "a", **args).out)
    second = _digest(generate(tmp_path / "b", **args).out)
    other = _digest(generate(tmp_path / "c", **{**args, "seed": 12}).out)
    assert len(first) > 30
    assert first == second
    assert first != other


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_reads_with_the_contract_types_and_holds_the_same_data(tmp_path, fmt):
    out = tmp_path / fmt
    summary = generate(
        out, accounts=40, start="2024-01", months=12, seed=2, fmt=fmt, progress=False
    )
    con = duckdb.connect()
    try:
        for ent in ENTITIES:
            assert all(p.suffix == f".{EXT[fmt]}" for p in entity_files(out, ent.name))
            want = [
                con.execute(f"select typeof(cast(null as {c.duckdb_type}))").fetchall()[0][0]
                for c in ent.columns
            ]
            rel = con.sql(f"select * exclude (filename) from {scan(out, ent.name, fmt)}")
            assert [str(t) for t in rel.types] == want, ent.name
            rows = rel.fetchall()  # every value converted to its contract type
            assert len(rows) == summary.rows[ent.name], ent.name
        # the same company in every format: a fingerprint of money, times and nulls
        fingerprint = con.execute(
            f"""
            select sum(total_amount), count(issued_at), max(updated_at)::varchar
            from {scan(out, "invoices", fmt)}
            """
        ).fetchone()
    finally:
        con.close()
    # 40 accounts, seed 2: the CSV run is the reference; other formats must equal it
    ref = tmp_path / "ref"
    generate(ref, accounts=40, start="2024-01", months=12, seed=2, progress=False)
    con = duckdb.connect()
    try:
        expected = con.execute(
            f"""
            select sum(total_amount), count(issued_at), max(updated_at)::varchar
            from {scan(ref, "invoices", "csv")}
            """
        ).fetchone()
    finally:
        con.close()
    assert fingerprint == expected
    assert fingerprint[0] > 0


def test_csv_is_rfc4180_with_empty_as_null(small):
    # company names contain commas and quotes are doubled; parse with the csv module
    # and compare with DuckDB's reading of the same file.
    path = entity_files(small, "accounts")[0]
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    con = duckdb.connect()
    try:
        names = [
            r[0]
            for r in con.execute(
                f"select name from read_csv('{path}', header = true, all_varchar = true)"
            ).fetchall()
        ]
        nulls = con.execute(
            f"select count(*) from {scan(small, 'quotes', 'csv')} where sent_at is null"
        ).fetchone()[0]
    finally:
        con.close()
    assert names == [r["name"] for r in rows]
    assert nulls > 0  # unsent quotes: empty field -> null
    assert ",," in entity_files(small, "quotes")[0].read_text()


# ---------------------------------------------------------------------------------------
# bad rows
# ---------------------------------------------------------------------------------------
def _row_checks(name: str) -> dict[str, str]:
    """reason -> SQL predicate (true = the row has that defect), from the contract.

    Runs over a row with the text of each column as `_txt_<column>` and its
    typed value (try_cast) as `<column>`, so row rules can be used as written.
    """
    ent = entity(name)
    checks: dict[str, list[str]] = {r: [] for r in REASON_CODES[:5]}
    for c in ent.columns:
        txt = f"_txt_{c.name}"
        if c.required:
            checks["missing_required"].append(f"{txt} is null")
        if c.type == "bool":
            checks["unparseable"].append(
                f"{txt} is not null and lower({txt}) not in "
                "('true', 'false', '1', '0', 'yes', 'no')"
            )
        elif c.type not in ("str", "currency", "country"):
            checks["unparseable"].append(f"{txt} is not null and {c.name} is null")
        if c.min_value is not None:
            op = ">=" if c.min_inclusive else ">"
            checks["out_of_range"].append(f"not coalesce({c.name} {op} {c.min_value}, true)")
        if c.max_value is not None:
            op = "<=" if c.max_inclusive else "<"
            checks["out_of_range"].append(f"not coalesce({c.name} {op} {c.max_value}, true)")
        if c.enum:
            values = ", ".join(f"'{v}'" for v in c.enum)
            checks["unknown_enum"].append(f"{txt} is not null and {txt} not in ({values})")
    for rule in ent.row_rules:
        checks[rule.code].append(f"not coalesce(({rule.predicate}), true)")
    return {r: " or ".join(p) if p else "false" for r, p in checks.items()}


def _checked_rows(name: str, table: str) -> str:
    cols = entity(name).columns
    both = ", ".join(
        f"{c.name} as _txt_{c.name}, try_cast({c.name} as {c.duckdb_type}) as {c.name}"
        for c in cols
    )
    return f"(select _row, {both} from {table})"


def test_manifest_covers_every_reason_and_points_at_real_rows(bad):
    manifest = read_manifest(bad)
    assert set(REASON_CODES) == set(REASON_BY_CODE)
    assert {m["reason_code"] for m in manifest} == set(REASON_BY_CODE)
    for name, reasons in SALES_REASONS.items():  # the optional sales entities too
        assert {m["reason_code"] for m in manifest if m["entity"] == name} >= reasons, name
    # invoice lines only come as good lines of a bad invoice (total_mismatch)
    assert {m["entity"] for m in manifest} == set(WITH_BAD_ROWS) - {"invoice_lines"}
    total = sum(sum(1 for _ in read_rows(p)) for e in WITH_BAD_ROWS for p in entity_files(bad, e))
    # about 2 % of the rows (at least one of each kind of defect)
    assert 0.01 * total < len(manifest) < 0.03 * total
    keys = {}
    for m in manifest:
        kind, fate = (
            ("invalid", "quarantined")
            if m["reason_code"] in REASON_CODES[:5]
            else ("unresolved", "flagged")
        )
        assert (m["kind"], m["expected_fate"]) == (kind, fate), m
        path = bad / m["file"]
        if path not in keys:
            keys[path] = read_rows(path)
        row = keys[path][int(m["row_number"]) - 1]
        key = "|".join(str(row[c]) for c in entity(m["entity"]).key)
        assert key == m["key"], m
    assert len({(m["entity"], m["key"]) for m in manifest}) == len(manifest), "keys are fresh"


def _invalid_rows(root: Path, names: tuple[str, ...]) -> tuple[dict, dict]:
    """(manifest, found): (file, row) -> reason of the manifest's invalid rows of entities
    `names`, and of the rows that the contract's row-level checks flag there (each row
    must have at most one defect)."""
    expected = {
        (m["file"], int(m["row_number"])): m["reason_code"]
        for m in read_manifest(root)
        if m["kind"] == "invalid" and m["entity"] in names
    }
    found = {}
    con = duckdb.connect()
    try:
        for name in names:
            checks = _row_checks(name)
            for path in entity_files(root, name):
                table = read_text_table(path, name)
                table = table.append_column("_row", pa.array(range(1, table.num_rows + 1)))
                con.register("t", table)
                cols = ", ".join(f"({p}) as {r}" for r, p in checks.items())
                sql = f"select _row, {cols} from {_checked_rows(name, 't')}"
                for row in con.execute(sql).fetchall():
                    hits = [r for r, hit in zip(checks, row[1:], strict=True) if hit]
                    if hits:
                        rel = f"{name}/{path.name}"
                        assert len(hits) == 1, (rel, row[0], hits)
                        found[(rel, row[0])] = hits[0]
                con.unregister("t")
    finally:
        con.close()
    return expected, found


def test_invalid_rows_have_exactly_their_defect_and_good_rows_none(bad):
    """Row-level checks from the contract flag exactly the manifest's invalid rows."""
    expected, found = _invalid_rows(bad, tuple(e.name for e in ENTITIES))
    assert set(expected.values()) == set(REASON_CODES[:5])
    assert found == expected


def test_every_kind_of_bad_forecast_has_exactly_its_defect(tmp_path):
    # 10 % bad rows: enough forecast rows for each of its four defects (no commit, a
    # negative one, an unreadable submitted_at, a forecast_month not a first day)
    out = generate(
        tmp_path / "out", accounts=300, start="2023-01", months=24, seed=5, bad_rows=0.1,
        progress=False,
    ).out  # fmt: skip
    expected, found = _invalid_rows(out, ("forecast_submissions",))
    assert set(expected.values()) == {"missing_required", "out_of_range", "unparseable"}
    assert found == expected
    months = [row["forecast_month"] for path in entity_files(out, "forecast_submissions")
              for row in read_rows(path)]  # fmt: skip
    assert any(not month.endswith("-01") for month in months), "no month off its first day"


def test_unresolved_rows_are_exactly_the_manifest_flagged_rows(bad):
    """Cross-row checks on the latest versions flag exactly the manifest's unresolved rows."""
    invalid_keys = {(m["entity"], m["key"]) for m in read_manifest(bad) if m["kind"] == "invalid"}
    expected = {
        (m["entity"], m["key"], m["reason_code"])
        for m in read_manifest(bad)
        if m["kind"] == "unresolved"
    }
    con = duckdb.connect()
    try:
        for name in VERSIONED:
            key = entity(name).key[0]
            con.register(f"text_{name}", _text_table(bad, name))
            con.execute(
                f"create temp table all_{name} as select * from "
                f"{_typed_select(name, f'text_{name}')}"
            )
            con.execute(
                f"""
                create temp table {name} as
                select * from {latest_from(f"all_{name}", name)}
                where {key} not in (select unnest(?::varchar[]))
            """,
                [[k for e, k in invalid_keys if e == name]],
            )
        _usage_and_products(con, bad, [k for e, k in invalid_keys if e == "product_usage"])
        fx = scan(bad, "fx_rates", "csv")
        found = set(
            con.execute(
                f"""
                with fx as (select currency, min(rate_date) as first_rate from {fx} group by 1),
                orphan as (
                    select 'payments', payment_id from payments
                    where invoice_id not in (select invoice_id from all_invoices)
                    union all select 'invoices', invoice_id from invoices
                    where account_id not in (select account_id from all_accounts)
                    union all select 'quotes', quote_id from quotes
                    where account_id not in (select account_id from all_accounts)
                    union all select 'quote_lines', quote_line_id from quote_lines
                    where quote_id not in (select quote_id from all_quotes)
                    union all select 'invoice_lines', invoice_line_id from invoice_lines
                    where invoice_id not in (select invoice_id from all_invoices)
                    -- the sales entities' references must resolve in the parents'
                    -- current rows, as dbt checks them (a deleted parent is gone)
                    union all select 'leads', lead_id from leads
                    where converted_account_id not in (select account_id from accounts)
                    union all select 'activities', activity_id from activities
                    where account_id not in (select account_id from accounts)
                        or lead_id not in (select lead_id from leads)
                        or quote_id not in (select quote_id from quotes)
                    union all select 'csat_responses', response_id from csat_responses
                    where account_id not in (select account_id from accounts)
                    union all select 'product_usage', concat_ws('|', account_id, product_id, month)
                    from product_usage
                    where account_id not in (select account_id from accounts)
                        or product_id not in (select product_id from products)
                ),
                dated as (
                    select 'invoices' as e, invoice_id as k, currency,
                        coalesce(issued_at, updated_at::date) as d from invoices
                    union all select 'payments', payment_id, currency, received_at::date
                    from payments
                    union all select 'quotes', quote_id, currency,
                        coalesce(decided_at, created_at)::date from quotes
                ),
                lines as (
                    select invoice_id, sum(amount) as amount from invoice_lines group by 1
                )
                select *, 'orphan_reference' from orphan
                union all
                select e, k, 'missing_fx_rate' from dated left join fx using (currency)
                where currency <> 'USD' and (fx.first_rate is null or fx.first_rate > d)
                union all
                select 'payments', p.payment_id, 'currency_mismatch'
                from payments as p join invoices as i using (invoice_id)
                where p.currency <> i.currency
                union all
                select 'payments', p.payment_id, 'account_mismatch'
                from payments as p join invoices as i using (invoice_id)
                where p.account_id is not null and p.account_id <> i.account_id
                union all
                select 'invoices', i.invoice_id, 'total_mismatch'
                from invoices as i left join lines as l using (invoice_id)
                where abs(i.total_amount - coalesce(l.amount, 0)) > 0.01
                """
            ).fetchall()
        )
    finally:
        con.close()
    assert {reason for _, _, reason in expected} == set(REASON_CODES[5:])
    assert found == expected


def _usage_and_products(con: duckdb.DuckDBPyConnection, root: Path, invalid: list[str]) -> None:
    """`product_usage` (a reference entity: every row, the invalid ones left out) and the
    current `products`, for the unresolved-row checks."""
    con.register("text_product_usage", _text_table(root, "product_usage"))
    con.execute(
        f"""
        create temp table product_usage as
        select * from {_typed_select("product_usage", "text_product_usage")}
        where concat_ws('|', account_id, product_id, month) not in (select unnest(?::varchar[]))
        """,
        [invalid],
    )
    con.execute(f"create temp table products as select * from {latest(root, 'products')}")


def _text_table(root: Path, name: str) -> pa.Table:
    """All CSV files of an entity as text, with `filename` (pyarrow keeps bad values)."""
    parts = []
    for path in entity_files(root, name):
        table = read_text_table(path, name)
        parts.append(table.append_column("filename", pa.array([str(path)] * table.num_rows)))
    return pa.concat_tables(parts)


def _typed_select(name: str, table: str) -> str:
    """Contract types by try_cast (a bad value becomes null, it does not abort)."""
    cols = entity(name).columns
    casts = ", ".join(f"try_cast({c.name} as {c.duckdb_type}) as {c.name}" for c in cols)
    return f"(select {casts}, filename from {table})"


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_bad_rows_in_other_formats_sit_where_the_manifest_says(tmp_path, fmt):
    out = generate(
        tmp_path / fmt,
        accounts=60,
        start="2024-01",
        months=12,
        seed=4,
        fmt=fmt,
        bad_rows=0.03,
        progress=False,
    ).out
    manifest = read_manifest(out)
    assert {m["reason_code"] for m in manifest} == set(REASON_BY_CODE)
    cache: dict[Path, list[dict]] = {}
    for m in manifest:
        path = out / m["file"]
        assert path.suffix == f".{EXT[fmt]}"
        rows = cache.setdefault(path, read_rows(path))
        row = rows[int(m["row_number"]) - 1]
        assert "|".join(str(row[c]) for c in entity(m["entity"]).key) == m["key"]
        if m["reason_code"] == "unparseable":
            assert UNPARSEABLE_TEXT in {str(value) for value in row.values()}, m


# ---------------------------------------------------------------------------------------
# realism: the default demo run
# ---------------------------------------------------------------------------------------
def _mrr_movements(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """fct_mrr-like table `mv` per docs/metrics.md, in each account's own currency.

    MRR(a, M) = sum of amount / months_in_period over recurring lines of billable
    invoices with period_start <= month_end(M) < period_end. Each account bills in
    one currency, so movement kinds and logo churn do not depend on FX; amounts
    are left unconverted to keep the check simple.
    """
    con.execute(
        f"""
        create temp table rec as
        select i.account_id, l.period_start, l.period_end, l.amount,
            datediff('month', l.period_start, l.period_end) as m0
        from {latest(root, "invoice_lines")} as l
        join {latest(root, "invoices")} as i using (invoice_id)
        join {latest(root, "products")} as p using (product_id)
        where i.status in ('open', 'paid', 'uncollectible')
            and p.pricing_model = 'recurring' and l.period_start is not null
        """
    )
    # months_in_period = m + r/30 with m whole months (clamped month arithmetic)
    con.execute(
        """
        create temp table rec_m as
        select *, m + datediff('day', period_start + to_months(m), period_end) / 30.0 as mip
        from (select *, case when period_start + to_months(m0) > period_end
                             then m0 - 1 else m0 end as m from rec)
        """
    )
    con.execute(
        f"""
        create temp table months as
        select unnest(generate_series(date '{DEFAULTS.start}-01',
            date '{DEFAULTS.start}-01' + to_months({DEFAULTS.months - 1}),
            interval 1 month))::date as month
        """
    )
    con.execute(
        """
        create temp table mrr as
        select a.account_id, months.month, coalesce(sum(r.amount / r.mip), 0) as mrr
        from (select distinct account_id from rec_m) as a
        cross join months
        left join rec_m as r on r.account_id = a.account_id
            and r.period_start <= last_day(months.month) and last_day(months.month) < r.period_end
        group by all
        """
    )
    con.execute(
        """
        create temp table mv as
        select *, case
            when prev < 0.005 and mrr >= 0.005 and coalesce(peak, 0) < 0.005 then 'new'
            when prev < 0.005 and mrr >= 0.005 then 'reactivation'
            when prev >= 0.005 and mrr > prev + 0.005 then 'expansion'
            when prev >= 0.005 and mrr >= 0.005 and mrr < prev - 0.005 then 'contraction'
            when prev >= 0.005 and mrr < 0.005 then 'churn'
            else 'unchanged' end as movement
        from (
            select *, lag(mrr, 1, 0) over w as prev,
                max(mrr) over (w rows between unbounded preceding and 1 preceding) as peak
            from mrr window w as (partition by account_id order by month)
        )
        """
    )


def test_demo_run_looks_like_a_real_company(demo):
    con = duckdb.connect()
    try:
        _mrr_movements(con, demo)
        kinds = dict(
            con.execute("select movement, count(distinct account_id) from mv group by 1").fetchall()
        )
        # logo churn(M) = churned in M / active in M-1, over months with active customers
        churn = con.execute(
            """
            select avg(churned / active_prev), min(churned / active_prev),
                max(churned / active_prev)
            from (
                select month, count(*) filter (where prev >= 0.005) as active_prev,
                    count(*) filter (where movement = 'churn') as churned
                from mv group by 1
            ) where active_prev >= 50
            """
        ).fetchone()
        win = con.execute(
            f"""
            select count(*) filter (where status = 'accepted')
                / count(*) filter (where status in ('accepted', 'rejected', 'expired'))
            from {latest(demo, "quotes")}
            """
        ).fetchone()[0]
        # days to pay: issued_at -> date the received payments reach the total
        days_to_pay = con.execute(
            f"""
            with received as (
                select invoice_id, received_at::date as d,
                    sum(amount) over (partition by invoice_id order by received_at) as paid
                from {latest(demo, "payments")} where status = 'succeeded'
            ),
            paid as (
                select i.invoice_id, i.issued_at, min(r.d) as paid_date
                from {latest(demo, "invoices")} as i join received as r using (invoice_id)
                where i.status in ('open', 'paid') and r.paid >= i.total_amount - 0.005
                group by all
            )
            select avg(datediff('day', issued_at, paid_date)) from paid
            """
        ).fetchone()[0]
        mismatched = con.execute(
            f"""
            select count(*) from {latest(demo, "invoices")} as i
            left join (select invoice_id, sum(amount) as s from {latest(demo, "invoice_lines")}
                       group by 1) as l using (invoice_id)
            where i.total_amount <> coalesce(l.s, 0)
            """
        ).fetchone()[0]
        variety = con.execute(
            f"""
            select
                (select count(distinct currency) from {latest(demo, "invoices")}),
                (select count(distinct billing_interval_months) from {latest(demo, "products")}
                 where product_id in (select product_id from {latest(demo, "invoice_lines")})),
                (select count(*) from {latest(demo, "invoice_lines")} where amount < 0),
                (select count(*) from {latest(demo, "invoice_lines")} where period_start is null),
                (select count(distinct status) from {latest(demo, "payments")}),
                (select count(*) from {latest(demo, "invoices")} where status = 'uncollectible'),
                (select count(distinct quote_type) from {latest(demo, "quotes")}),
                (select count(distinct channel) from {scan(demo, "marketing_spend", "csv")}),
                (select count(distinct owner_rep_id) from {scan(demo, "sales_targets", "csv")})
            """
        ).fetchone()
    finally:
        con.close()
    for kind in ("new", "expansion", "contraction", "churn", "reactivation"):
        assert kinds.get(kind, 0) > 0, f"no account with a {kind} movement: {kinds}"
    assert 0.005 <= churn[0] <= 0.05, f"monthly logo churn {churn}"
    assert 0.15 <= win <= 0.50, f"win rate {win}"
    assert 15 <= days_to_pay <= 75, f"average days to pay {days_to_pay}"
    assert mismatched == 0, "an invoice total differs from the sum of its lines"
    currencies, intervals, credits, one_time, pay_statuses, unc, qtypes, channels, reps = variety
    assert currencies >= 3 and intervals >= 3 and credits > 0 and one_time > 0
    assert pay_statuses == 3 and unc > 0 and qtypes == 3 and channels >= 4 and reps >= 3


# ---------------------------------------------------------------------------------------
# arguments and summary
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"accounts": 0}, "--accounts"),
        ({"start": "2023-13"}, "--start"),
        ({"start": "Jan 2023"}, "--start"),
        ({"months": 0}, "--months"),
        ({"seed": -1}, "--seed"),
        ({"fmt": "xlsx"}, "--format"),
        ({"bad_rows": 0.9}, "--bad-rows"),
    ],
)
def test_bad_arguments_are_refused_clearly(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path / "out", progress=False, **kwargs)


def test_non_empty_folder_is_refused_unless_overwritten(tmp_path):
    out = tmp_path / "out"
    generate(out, accounts=20, months=6, progress=False)
    with pytest.raises(ValueError, match="not empty"):
        generate(out, accounts=20, months=6, progress=False)
    summary = generate(out, accounts=20, months=6, progress=False, overwrite=True)
    assert summary.rows["accounts"] > 0


def test_summary_counts_rows_andentity_files(tmp_path):
    summary = generate(tmp_path / "out", accounts=30, months=12, progress=False)
    on_disk = sum(len(read_rows(p)) for e in ENTITIES for p in entity_files(summary.out, e.name))
    assert summary.total_rows == on_disk
    assert len(summary.files) == sum(len(entity_files(summary.out, e.name)) for e in ENTITIES)
    text = summary.render()
    assert "rows/s" in text and "invoice_lines" in text and f"{summary.total_rows:,}" in text
