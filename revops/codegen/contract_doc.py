"""`docs/landing-contract.md`: the landing contract for the people who export data."""

from __future__ import annotations

from foundation.contract import (
    ENTITIES,
    FILE_EXTENSIONS,
    LINEAGE_COLUMNS,
    MAX_CSV_RECORD_BYTES,
    MAX_GZIP_EXPANSION,
    MAX_JSON_DEPTH,
    REASONS,
    TYPE_EXPECTATIONS,
    Column,
    Entity,
    years_text,
)

INTRO = """# Landing contract

<!-- Generated from foundation/contract/ by `revops contract-sync`; do not edit by hand. -->

The project's input interface: what a user (or an export job of their CRM, CPQ,
billing and ERP tools) drops into the landing folder. The loader enforces
exactly this; it changes only by adding optional columns or entities.

## Layout

```
<landing>/<entity>/<any-name>.<ext>      ext: {exts}
```

- One folder per entity (names below); any number of files per folder,
  loaded in name order. The extension's case does not matter; names that
  start with `.` or `_` (such as `_manifest/`) are not landing data, and
  other extensions are reported and skipped.
- CSV: UTF-8 (a BOM is tolerated), a header row, comma separator, RFC 4180
  quoting (quoted commas and newlines allowed), empty field = null.
  `.csv.gz` is a gzipped CSV.
- JSON: JSON Lines (`.jsonl`, one object per line) or one JSON array (`.json`).
- A landed file is immutable. Loading the same content again (same SHA-256)
  is a no-op. A later file may carry new versions of existing rows.
- Header names are matched case-insensitively after trimming. Unknown extra
  columns are kept in raw as text and reported as schema drift; a missing
  required column rejects the whole file, with a message naming the file and
  the columns.

## Versions and deletes

Every entity except the reference entities has `updated_at`. Several versions
of one key may arrive, in one file or across files: the version with the
greatest `updated_at` wins; ties go to the later file (in name order), then
the later row. `is_deleted = true` on the winning version removes the row
from staging onward (it stays in raw).

Reference entities have no `updated_at`: a later file replaces earlier rows
with the same key (the later file, then the later row, wins). They are
optional: a landing without them still loads, and the metrics that need them
are null.

## Types

| type | a value must be |
|---|---|
{types}

R = required (a null or empty value is a bad row). Key = primary key.

How odd values are read (each is tested in `tests/reliability/test_hostile_inputs.py`):

- `decimal`: a fifth or later digit after the point is rounded to 4 places
  (half away from zero); more than 14 digits before the point (after rounding),
  `NaN`, `Infinity` or `1e309` is `unparseable`; scientific notation within
  range (`1e3`) is read as its value.
- `date`, `timestamp`: a value must lie {years}, a timestamp
  after its offset is applied; outside that it is `out_of_range`. Words that
  DuckDB reads as dates (`infinity`, `epoch`) are `unparseable`. A timestamp
  with an offset or a zone is converted to UTC; one without is UTC.
"""

LIMITS = """## Limits on files

The loader refuses what could hurt it, recording the file as `rejected` with
its name and the reason; the other files still load:

- A file (or entity folder) that resolves through a symbolic link outside
  the landing folder is refused unread, naming the link's target. (Its
  `content_hash` in `audit.load_files` is the hash of that refusal.)
- A `.csv.gz` that expands to more than {gzip} times its own size is refused
  (a decompression bomb guard); it is decompressed only up to that limit.
- A CSV record longer than {record_mib} MiB rejects its file, naming the line;
  a field of any size below that loads whole.
- JSON nested deeper than {json_depth} levels rejects its file.
- Two columns with the same name (after trimming, ignoring case; JSON keys
  too) reject the file. Column names that are SQL keywords, hold quotes or
  semicolons, or clash with the loader's working names (`rowid`, `_defect`,
  `_record`) are kept as drift columns like any other.
- File and folder names may hold spaces, quotes, semicolons, unicode and
  leading dashes: the loader passes every name to SQL quoted.
"""

BAD_ROWS = """## Bad rows

Nothing is silently dropped and nothing bad is silently loaded. There are two
kinds of bad rows:

1. **Invalid** rows, decided from the row alone (a null required field, an
   unparseable value, a value out of range, an unknown enum value, a broken
   row rule): they go to `audit.quarantine` with the file, the row number,
   the reason code and a message naming the column and value, and never
   reach staging.
2. **Unresolved or inconsistent** rows, decided against other rows (a
   reference to a key that has not arrived, an amount without an FX rate on
   or before its date, a payment whose currency or account differs from its
   invoice's, an invoice whose total differs from the sum of its lines by
   more than 0.01): they are kept, listed in `audit.flagged` with the reason,
   left out of the marts while flagged, and used as soon as later data
   resolves them.

| reason code | kind | what it means |
|---|---|---|
{reasons}

Every file is counted in `audit.load_files`, and for every loaded file
`rows_in_file = rows_loaded + rows_quarantined`. A file that cannot be read
at all (missing required column, bad encoding, malformed CSV) is recorded as
`rejected` with the file, line and reason; the other files still load.

## Lineage columns added in raw

{lineage}

`_loaded_at` is when the file started loading, and always later than every
`_loaded_at` already in the warehouse (even if the clock has gone back since):
the incremental models rebuild what was loaded after the latest one they read.
"""


def _rule(column: Column) -> str:
    parts = []
    if column.enum:
        parts.append("one of " + ", ".join(f"`{value}`" for value in column.enum))
    if column.has_range:
        parts.append(column.range_text())
    if column.references:
        parts.append(f"-> `{column.references}`")
    if column.sensitive:
        parts.append("personal data")
    return "; ".join(parts)


def _entity_section(entity: Entity) -> list[str]:
    kind = " (reference entity)" if entity.reference else ""
    lines = [f"### {entity.name}{kind}", "", entity.description, ""]
    lines += [f"Key: `{', '.join(entity.key)}`", ""]
    lines += ["| column | type | R | rule | meaning |", "|---|---|---|---|---|"]
    for col in entity.columns:
        required = "R" if col.required else ""
        lines.append(f"| {col.name} | {col.type} | {required} | {_rule(col)} | {col.description} |")
    if entity.row_rules:
        lines += ["", "Row rules (a row breaking one is quarantined with the code shown):", ""]
        lines += [f"- `{r.column}` ({r.code}): `{r.predicate}`" for r in entity.row_rules]
    return [*lines, ""]


def render_contract_doc() -> str:
    types = "\n".join(f"| `{name}` | {text} |" for name, text in TYPE_EXPECTATIONS.items())
    exts = ", ".join(f"`{e}`" for e in FILE_EXTENSIONS)
    limits = LIMITS.format(
        gzip=MAX_GZIP_EXPANSION,
        record_mib=MAX_CSV_RECORD_BYTES // (1024 * 1024),
        json_depth=MAX_JSON_DEPTH,
    )
    lines = [INTRO.format(exts=exts, types=types, years=years_text()), limits, "## Entities", ""]
    for entity in ENTITIES:
        lines += _entity_section(entity)
    reasons = "\n".join(f"| `{r.code}` | {r.kind} ({r.fate}) | {r.description} |" for r in REASONS)
    lineage = "\n".join(f"- `{name}` ({sql_type})" for name, sql_type in LINEAGE_COLUMNS.items())
    lines.append(BAD_ROWS.format(reasons=reasons, lineage=lineage))
    return "\n".join(lines).rstrip("\n") + "\n"
