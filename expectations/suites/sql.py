"""SQL checks: GX `UnexpectedRowsExpectation`s whose query returns the offending rows.

`{batch}` in a query is the validated table; every other table is named
`schema.table` (the suite's `meta.reads` lists them). The staging and marts checks
run on every engine (DuckDB, Postgres, Spark SQL), so their SQL is the part the
three share: lowercase unquoted identifiers, `||` and `coalesce`, `is [not]
distinct from`, `count(*) filter (where ...)`, `date_trunc`, no `::` and no type
spelled differently (`varchar`, `double`, `string`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

# GX 1.24 substitutes `{batch}` as `(subquery) AS subselect`, except in a query with a
# join, where it is a bare `(subquery)` that the query must alias itself; Postgres
# before 16 refuses a subquery in FROM without an alias.
BATCH_ALIAS = "batch_rows"
_JOIN = re.compile(r"\bjoin\b", re.IGNORECASE)
_FROM_BATCH = re.compile(r"\bfrom \{batch\}")


def unexpected_rows(query: str, description: str) -> Expectation:
    """Fails with one unexpected row per row the query returns."""
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=alias_batch(dedent(query)), description=description
    )


def alias_batch(query: str) -> str:
    """`from {batch}` -> `from {batch} as batch_rows` in a query with a join (above)."""
    if not _JOIN.search(query):
        return query
    return _FROM_BATCH.sub(f"from {{batch}} as {BATCH_ALIAS}", query)


def dedent(query: str) -> str:
    lines = [line.rstrip() for line in query.strip("\n").splitlines()]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line)
    return "\n".join(line[indent:] for line in lines)


def same_key(left: str, right: str, columns: Sequence[tuple[str, str]], indent: int = 12) -> str:
    """`left.a is not distinct from right.b and ...` for each (a, b) of `columns`: a
    null key matches a null key (null keys are another check's failure). One condition
    a line, the next ones indented by `indent` spaces."""
    return f"\n{' ' * indent}and ".join(
        f"{left}.{left_column} is not distinct from {right}.{right_column}"
        for left_column, right_column in columns
    )


def select_list(alias: str, columns: Sequence[str]) -> str:
    return ", ".join(f"{alias}.{column}" for column in columns)
