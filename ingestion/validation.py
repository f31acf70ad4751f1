"""Row validation as SQL: the contract's invalid-row rules become one CASE expression.

Every landed file is first read as text columns. `stage_sql` turns that text
relation into one set-based pass that parses each contract column with
`try_cast` (or a small CASE for booleans) and finds, for every row, the first
defect in contract column order (then the entity's row rules). The number of
the defect (an index into `defects(...)`) is `_defect`; null means the row is
good. The stage keeps the typed values (what goes to raw), the drift columns as
text under their `__v_` names (so that a file column named `_defect`, `_record` or
`rowid` cannot shadow the stage's own), and, for invalid rows only, the original
text as JSON (what goes to quarantine).
"""

from __future__ import annotations

from dataclasses import dataclass

from foundation.contract import (
    MAX_YEAR,
    MIN_YEAR,
    TYPE_EXPECTATIONS,
    Column,
    Entity,
    years_text,
)
from foundation.duck import quote_ident, quote_literal

BOOL_TRUE = ("true", "1", "yes")
BOOL_FALSE = ("false", "0", "no")
TEXT_PREFIX = "__v_"


def text_ident(name: str) -> str:
    """The staged text column holding column `name` as read from the file."""
    return quote_ident(TEXT_PREFIX + name)


@dataclass(frozen=True)
class Defect:
    """One way a row can be invalid: `condition` (SQL over typed and text columns) holds."""

    code: str
    column: str
    expectation: str
    condition: str


def parse_sql(column: Column, text: str) -> str:
    """SQL parsing the text expression `text` into the column's DuckDB type (null if it can't)."""
    kind = column.type
    if kind in ("str", "currency", "country"):
        return text
    if kind == "bool":
        trimmed = f"lower(trim({text}))"
        # The exact lower-case words first: most files write them, and they skip lower(trim()).
        return (
            f"(case when {text} = 'false' then false when {text} = 'true' then true "
            f"when {one_of(trimmed, BOOL_TRUE)} then true "
            f"when {one_of(trimmed, BOOL_FALSE)} then false end)"
        )
    if kind == "int":
        # try_cast alone would round '1.5' to 2; a whole number is digits only.
        return (
            f"(case when regexp_full_match({text}, '\\s*[+-]?[0-9]+\\s*') "
            f"then try_cast({text} as bigint) end)"
        )
    return f"try_cast({text} as {column.duckdb_type})"


def one_of(expr: str, values: tuple[str, ...]) -> str:
    """`expr` equals one of `values`, as an OR chain.

    Not `expr in (...)`: DuckDB rewrites a long IN list into a join, and a join
    does not keep the file's row order, which the row numbers rely on.
    """
    return "(" + " or ".join(f"{expr} = {quote_literal(v)}" for v in values) + ")"


def _blank(text: str) -> str:
    # Blank = null or only whitespace. `< '!'` first, so trim runs only on values
    # that start with whitespace (or are empty): most values skip it.
    return f"({text} is null or ({text} < '!' and trim({text}) = ''))"


def _starts_with_digit(text: str) -> str:
    """SQL: the text's first character that is not whitespace is a digit. DuckDB also reads
    `infinity`, `-infinity` and `epoch` as dates and timestamps; ISO 8601 does not."""
    return (
        f"(({text} >= '0' and {text} < ':') "
        f"or ({text} < '!' and ltrim({text}) >= '0' and ltrim({text}) < ':'))"
    )


def _year_bounds(column: Column) -> tuple[str, str]:
    """SQL literals of the first and last instant a date or timestamp column may hold."""
    first, last = f"{MIN_YEAR:04d}-01-01", f"{MAX_YEAR:04d}-12-31"
    if column.type == "date":
        return f"date '{first}'", f"date '{last}'"
    return f"timestamptz '{first} 00:00:00+00'", f"timestamptz '{last} 23:59:59.999999+00'"


def _out_of_range(column: Column, value: str) -> str:
    """SQL: the typed value is set and outside the column's range."""
    bad: list[str] = []
    if column.min_value is not None:
        op = ">=" if column.min_inclusive else ">"
        bad.append(f"not ({value} {op} {column.min_value})")
    if column.max_value is not None:
        op = "<=" if column.max_inclusive else "<"
        bad.append(f"not ({value} {op} {column.max_value})")
    return f"({value} is not null and ({' or '.join(bad)}))"


def column_defects(column: Column) -> list[Defect]:
    """The defects of one column, in the order they are checked."""
    name = column.name
    text = text_ident(name)
    value = quote_ident(name)
    out: list[Defect] = []
    if column.required:
        out.append(Defect("missing_required", name, "is required", _blank(text)))
    expectation = "is not " + TYPE_EXPECTATIONS[column.type]
    if column.type == "currency":
        cond = f"({text} is not null and not regexp_full_match({text}, '[A-Z]{{3}}'))"
        out.append(Defect("unparseable", name, expectation, cond))
    elif column.type == "country":
        cond = f"({text} is not null and not regexp_full_match({text}, '[A-Z]{{2}}'))"
        out.append(Defect("unparseable", name, expectation, cond))
    elif column.type in ("date", "timestamp"):
        cond = (
            f"(case when {value} is null then trim({text}) <> '' "
            f"else not {_starts_with_digit(text)} end)"
        )
        out.append(Defect("unparseable", name, expectation, cond))
    elif column.type != "str":
        cond = f"({value} is null and trim({text}) <> '')"
        out.append(Defect("unparseable", name, expectation, cond))
    if column.enum:
        compared = text if column.type == "str" else f"cast({value} as varchar)"
        cond = f"({value} is not null and not {one_of(compared, column.enum)})"
        out.append(Defect("unknown_enum", name, "is not one of " + ", ".join(column.enum), cond))
    if column.has_range:
        expected = "must be " + column.range_text()
        out.append(Defect("out_of_range", name, expected, _out_of_range(column, value)))
    if column.type in ("date", "timestamp"):
        first, last = _year_bounds(column)
        cond = f"({value} is not null and not ({value} between {first} and {last}))"
        out.append(Defect("out_of_range", name, "must be " + years_text(), cond))
    return out


def defects(entity: Entity) -> list[Defect]:
    """All defects of an entity's rows: per column in contract order, then the row rules."""
    out: list[Defect] = []
    for column in entity.columns:
        out.extend(column_defects(column))
    for rule in entity.row_rules:
        verb = "is required by the rule" if rule.code == "required_when" else "breaks the rule"
        condition = f"(not coalesce({rule.predicate}, true))"
        out.append(Defect(rule.code, rule.column, f"{verb}: {rule.predicate}", condition))
    return out


def stage_sql(entity: Entity, source_sql: str, file_columns: dict[str, str]) -> str:
    """The one validation pass over a file.

    `source_sql` is a relation of text columns named as in the file;
    `file_columns` maps each file column to its staged name (the contract
    name, or the drift name). Result columns: `_defect`, every contract column
    typed (as it goes to raw), every drift column as text (named `__v_<name>`), and
    `_record`: the
    row's original text as JSON for invalid rows only (null for good rows, so
    good rows cost nothing).
    """
    staged_of = {staged: original for original, staged in file_columns.items()}
    inner: list[str] = []
    for column in entity.columns:
        original = staged_of.get(column.name)
        text = quote_ident(original) if original is not None else "cast(null as varchar)"
        inner.append(f"{text} as {text_ident(column.name)}")
        inner.append(f"{parse_sql(column, text)} as {quote_ident(column.name)}")
    contract_names = set(entity.column_names)
    drift = [s for s in file_columns.values() if s not in contract_names]
    for original, staged in file_columns.items():
        if staged not in contract_names:
            inner.append(f"{quote_ident(original)} as {text_ident(staged)}")
    found = defects(entity)
    case = " ".join(f"when {d.condition} then {i}" for i, d in enumerate(found))
    record = record_sql([(s, text_ident(s)) for s in file_columns.values()])
    outer = ["_defect"]
    outer += [quote_ident(c) for c in entity.column_names]
    outer += [text_ident(s) for s in drift]
    outer.append(f"(case when _defect is not null then {record} end) as _record")
    parsed = f"select {', '.join(inner)} from {source_sql}"
    checked = f"select (case {case} end) as _defect, * from ({parsed})"
    return f"select {', '.join(outer)} from ({checked})"


def reason_sql(entity: Entity) -> tuple[str, str, str]:
    """SQL expressions over the stage for the defect's code, column and readable reason.

    The offending value is taken from `_record` (the original text), as JSON.
    """
    found = defects(entity)
    codes = " ".join(f"when {i} then {quote_literal(d.code)}" for i, d in enumerate(found))
    cols = " ".join(f"when {i} then {quote_literal(d.column)}" for i, d in enumerate(found))
    messages = []
    for i, d in enumerate(found):
        path = quote_literal("$." + json_key(d.column))
        value = f"coalesce(cast(json_extract(_record, {path}) as varchar), 'null')"
        head = quote_literal(f"{d.code}: column {d.column} value ")
        tail = quote_literal(f" {d.expectation}")
        messages.append(f"when {i} then {head} || {value} || {tail}")
    return (
        f"(case _defect {codes} end)",
        f"(case _defect {cols} end)",
        f"(case _defect {' '.join(messages)} end)",
    )


def json_key(name: str) -> str:
    """A JSON path key for `name`, quoted."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def record_sql(fields: list[tuple[str, str]]) -> str:
    """SQL for the original row as JSON text, from (key, text expression) pairs."""
    packed = ", ".join(f"{quote_ident(k)} := {expr}" for k, expr in fields)
    return f"cast(to_json(struct_pack({packed})) as varchar)"
