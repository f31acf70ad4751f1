"""The validation SQL builder and small helpers, without a landing folder."""

from __future__ import annotations

import duckdb
import pytest

from foundation.contract import ENTITIES, INVALID_CODES, REASON_BY_CODE, entity, file_format
from foundation.duck import quote_ident
from ingestion.loader import one_line
from ingestion.validation import defects, stage_sql


def text_source(names: tuple[str, ...], rows: list[tuple[str | None, ...]]) -> str:
    cols = ", ".join(quote_ident(n) for n in names)
    values = ", ".join(
        "(" + ", ".join("null" if v is None else "'" + v + "'" for v in row) + ")" for row in rows
    )
    return f"(select * from (values {values}) as t({cols}))"


@pytest.mark.parametrize("ent", ENTITIES, ids=lambda e: e.name)
def test_stage_plan_has_no_join_so_row_order_is_kept(ent) -> None:
    # Row numbers are the stage's rowid: any join (DuckDB turns long IN lists into
    # one) could reorder rows. The plan must be scans and projections only.
    source = text_source(ent.column_names, [tuple(None for _ in ent.column_names)])
    con = duckdb.connect()
    plan = "\n".join(r[1] for r in con.execute("explain " + stage_sql(ent, source, {
        c: c for c in ent.column_names
    })).fetchall())  # fmt: skip
    con.close()
    assert "JOIN" not in plan.upper()
    assert "ORDER" not in plan.upper()


def test_defects_use_only_invalid_reason_codes_and_cover_every_rule() -> None:
    codes = {d.code for e in ENTITIES for d in defects(e)}
    assert codes == set(INVALID_CODES)
    assert set(INVALID_CODES) < set(REASON_BY_CODE)
    quotes = defects(entity("quotes"))
    rules = [(d.code, d.column) for d in quotes if d.code == "required_when"]
    assert rules == [
        ("required_when", "decided_at"),
        ("required_when", "contract_start_date"),
        ("required_when", "term_months"),
    ]
    # Column checks come in contract column order, before the row rules.
    assert quotes[0].column == "quote_id" and quotes[-1].code == "required_when"


def test_first_defect_per_row() -> None:
    fx = entity("fx_rates")
    rows = [
        ("EUR", "2024-01-01", "1.1"),  # good
        (None, "2024-01-01", "1.1"),  # missing currency
        ("eur", None, "x"),  # three defects: currency unparseable comes first
        ("EUR", "2024-01-01", "-2"),  # out of range
        (" ", "2024-01-01", "1"),  # whitespace only = missing
    ]
    con = duckdb.connect()
    sql = stage_sql(fx, text_source(fx.column_names, rows), {c: c for c in fx.column_names})
    got = con.execute(f"select _defect from ({sql})").fetchall()
    con.close()
    found = defects(fx)
    named = [None if d is None else (found[d].code, found[d].column) for (d,) in got]
    assert named == [
        None,
        ("missing_required", "currency"),
        ("unparseable", "currency"),
        ("out_of_range", "usd_per_unit"),
        ("missing_required", "currency"),
    ]


def test_one_line_keeps_the_line_and_drops_advice() -> None:
    text = (
        'Invalid Input Error: CSV Error on Line: 3\nOriginal Line: a,"b\n\n'
        "Value with unterminated quote found.\n\nPossible fixes:\n* Disable strict mode\n"
        "  file = /x/y.csv\n  delimiter = , (Set By User)\n"
    )
    assert one_line(text) == (
        'Invalid Input Error: CSV Error on Line: 3 | Original Line: a,"b | '
        "Value with unterminated quote found."
    )
    assert len(one_line("x" * 5000)) == 2000


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.csv", "csv"), ("a.CSV.GZ", "csv"), ("a.parquet", "parquet"), ("a.jsonl", "jsonl"),
     ("a.json", "json"), ("a.txt", None), ("a.csv.zip", None)],
)  # fmt: skip
def test_file_format(name: str, fmt: str | None) -> None:
    assert file_format(name) == fmt
