"""The column_rules test (dbt_project/macros/column_rules.sql) on tables made by hand:
each kind of rule counts exactly the rows (or, for unique, the duplicated values) that
break it, and names itself.

The rows the macro returns are read with `dbt show --inline`, which compiles and runs the
generic test's SQL the way `dbt build` does, without a model around it.
"""

from __future__ import annotations

import json

import duckdb

from tests.dbt_runs import run_dbt

# id, a, b, c, status, n, v. Hand-counted breaks of the rules below:
# - not_null(a): rows 3 and 6 -> 2.
# - unique(id): the value 1 appears twice (rows 1, 2) -> 1 duplicated value; nulls
#   (row 7) are not values.
# - unique(b, c): (x, 1) twice and (null, null) twice (nulls included, as
#   unique_combination_of_columns) -> 2 duplicated combinations.
# - accepted_values(status): 'it''s' and 'ok' are accepted; 'bad' (row 4) and 'OK'
#   (row 5: case matters) are not, null (row 6) passes -> 2.
# - accepted_values(n): 1, 2 accepted (numbers, unquoted); 3 (row 2) -> 1.
# - accepted_range(v): 0 <= v < 10 (min inclusive, max exclusive); -1 (row 3) and 10
#   (row 4) break it, 0 (row 1) and 9.99 (row 2) do not, null (row 7) passes -> 2.
# - unique(a where status = 'ok'): rows 2, 3 and 7 are 'ok'; a is 'a' in rows 2 and 7
#   (row 3's null is not a value) -> 1 duplicated value.
# - unique(b, c where n = 1): rows 1, 3, 5 and 7; (x, 1) and (null, null) each appear
#   once among them (their twins, rows 2 and 4, have n 3 and 2) -> 0, not listed.
# - relationships(b -> parent.code): parent codes are x and y; z (row 6) and w (row 7)
#   are missing, nulls (rows 4, 5) pass -> 2. id_not_broken (1) is a parent number.
# - expression(v < 9): 9.99 (row 2) and 10 (row 4); null (row 7) passes -> 2.
# - expression(n < 3 where a is not null): of rows 1, 2, 4, 5 and 7, row 2 (n 3) -> 1;
#   row 6 (n 2) and row 3 are left out by the where.
# - expression(status <> 'bad'): row 4; null (row 6) passes -> 1 (its quotes escaped).
ROWS = [
    (1, "a", "x", 1, "it's", 1, 0.0),
    (1, "a", "x", 1, "ok", 3, 9.99),
    (2, None, "y", 2, "ok", 1, -1.0),
    (3, "a", None, None, "bad", 2, 10.0),
    (4, "a", None, None, "OK", 1, 5.0),
    (5, None, "z", 3, None, 2, 1.0),
    (None, "a", "w", 4, "ok", 1, None),
]
EXPECTED = {
    "not_null(a)": 2,
    "unique(id)": 1,
    "unique(b, c)": 2,
    "accepted_values(status)": 2,
    "accepted_values(n)": 1,
    "accepted_range(v)": 2,
    "unique(a where status = 'ok')": 1,
    "relationships(b -> parent.code)": 2,
    "expression(v < 9)": 2,
    "expression(n < 3 where a is not null)": 1,
    "expression(status <> 'bad')": 1,
}
RULES = """{%- set parent = api.Relation.create(
    database='warehouse', schema='scratch', identifier='parent'
) -%}
{{ test_column_rules(
    model=api.Relation.create(database='warehouse', schema='scratch', identifier='ruled'),
    not_null=['a', 'id_not_broken'],
    unique=[
        'id', ['b', 'c'], 'a_never_duplicated',
        {'columns': 'a', 'where': "status = 'ok'"},
        {'columns': ['b', 'c'], 'where': 'n = 1'},
    ],
    accepted_values={'status': ["it's", 'ok'], 'n': [1, 2]},
    accepted_range={'v': {'min_value': 0, 'max_value': 10, 'max_inclusive': false}},
    relationships={
        'b': {'to': parent, 'field': 'code'},
        'id_not_broken': {'to': parent, 'field': 'number'},
    },
    expressions=[
        'v < 9',
        {'expression': 'n < 3', 'where': 'a is not null'},
        "status <> 'bad'",
    ],
) }}"""


def test_each_rule_counts_exactly_what_breaks_it_and_names_itself(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema scratch")
        con.execute(
            "create table scratch.ruled (id integer, a varchar, b varchar, c integer,"
            " status varchar, n integer, v double, id_not_broken integer,"
            " a_never_duplicated integer)"
        )
        con.execute("create table scratch.parent (code varchar, number integer)")
        con.execute("insert into scratch.parent values ('x', 1), ('y', 2)")
        con.executemany(
            "insert into scratch.ruled values (?, ?, ?, ?, ?, ?, ?, 1, ?)",
            [(*row, number) for number, row in enumerate(ROWS)],
        )
    done = run_dbt(
        ["show", "--inline", RULES, "--limit", "-1", "--output", "json", "--log-format", "json"],
        warehouse,
        tmp_path / "target",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    (preview,) = [
        json.loads(line)["data"]["preview"]
        for line in done.stdout.splitlines()
        if line.startswith("{") and '"preview"' in line
    ]
    rows = json.loads(preview)
    assert {row["broken_rule"]: int(row["failures"]) for row in rows} == EXPECTED
    assert len(rows) == len(EXPECTED)
