"""Renders docs/landing-contract.md from ingestion/contract.py."""

from __future__ import annotations

from ingestion.contract import ENTITIES, FILE_EXTENSIONS, LINEAGE_COLUMNS, Column

HEADER = """# Landing contract (generated)

Generated from `ingestion/contract.py` by `revops contract-docs`; do not edit by
hand. The loader enforces exactly this. The human text with the rules on
versions, deletes and bad rows is `../shared/CONTRACT.md`.

Layout: `<landing>/<entity>/<any-name>.<ext>` with ext one of {exts}; files load
in name order; a file is loaded once (by content hash).

Types: `str`, `int`, `decimal` (18 digits, 4 after the point), `bool`
(true/false/1/0/yes/no), `date` (YYYY-MM-DD), `timestamp` (ISO 8601; no zone =
UTC), `currency` (ISO 4217), `country` (ISO 3166-1 alpha-2). R = required.
"""


def _rule(column: Column) -> str:
    parts = []
    if column.enum:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.enum))
    if column.min_value is not None:
        parts.append((">= " if column.min_inclusive else "> ") + str(column.min_value))
    if column.max_value is not None:
        parts.append(("<= " if column.max_inclusive else "< ") + str(column.max_value))
    if column.sensitive:
        parts.append("personal data")
    return "; ".join(parts)


def render_contract() -> str:
    lines = [HEADER.format(exts=", ".join(f"`{e}`" for e in FILE_EXTENSIONS))]
    for entity in ENTITIES:
        kind = " (reference)" if entity.reference else ""
        lines += [f"## {entity.name}{kind}", "", entity.description, ""]
        lines += [f"Key: {', '.join(entity.key)}", ""]
        lines += ["| column | type | R | rule | meaning |", "|---|---|---|---|---|"]
        for col in entity.columns:
            required = "R" if col.required else ""
            lines.append(f"| {col.name} | {col.type} | {required} | {_rule(col)} | {col.meaning} |")
        if entity.row_rules:
            lines += ["", "Row rules:", ""]
            lines += [f"- `{column}` ({code}): `{sql}`" for code, column, sql in entity.row_rules]
        lines.append("")
    lines += ["## Lineage columns added in raw", ""]
    lines += [f"- `{name}` ({sql_type})" for name, sql_type in LINEAGE_COLUMNS.items()]
    return "\n".join(lines) + "\n"
