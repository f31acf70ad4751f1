"""SQL checks: GX `UnexpectedRowsExpectation`s whose query returns the offending rows.

`{batch}` in a query is the validated table; every other table is named
`schema.table` (the suite's `meta.reads` lists them).
"""

from __future__ import annotations

from collections.abc import Sequence

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation


def unexpected_rows(query: str, description: str) -> Expectation:
    """Fails with one unexpected row per row the query returns."""
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=dedent(query), description=description
    )


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
