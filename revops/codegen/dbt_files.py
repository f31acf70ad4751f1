"""The dbt files generated from the contract registry.

- `models/staging/_sources.yml`: the raw tables as dbt sources, with column
  docs, personal-data meta and freshness.
- `models/staging/_staging__models.yml`: every `stg_<entity>` model with its
  docs and the tests the contract implies: one `column_rules` test per model (keys
  unique and not null, required columns not null, enums, ranges) and a test per
  reference (resolved or flagged).
- `seeds/reason_codes.csv`: the bad-row reason codes, so that dbt can test
  the codes it writes into `audit.flagged` against the registry.
- `data_tests/marts_hold_no_personal_data.sql`: the registry's sensitive columns
  never reach a mart, tested on every mart (the models in `models/marts/`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml

from foundation.contract import (
    ENTITIES,
    LINEAGE_COLUMNS,
    REASONS,
    Column,
    Entity,
    entity,
    foreign_keys,
)
from foundation.settings import PROJECT_ROOT

HEADER = "# Generated from foundation/contract/ by `revops contract-sync`; do not edit by hand.\n"
FRESHNESS = {
    "warn_after": {"count": 1, "period": "day"},
    "error_after": {"count": 7, "period": "day"},
}
STAGING_LINEAGE_DOCS = {
    "_file_name": "Landing file of the winning version, relative to the landing folder.",
    "_row_number": "1-based data row of the winning version within its file.",
    "_loaded_at": "Load time of the winning version (UTC).",
    "_batch_id": "Loader batch of the winning version.",
}
RAW_LINEAGE_DOCS = {
    "_file_name": "Landing file of the row, relative to the landing folder.",
    "_row_number": "1-based data row within its file.",
    "_loaded_at": "Time the loader wrote the row (UTC).",
    "_batch_id": "Loader batch (the Dagster run id in the pipeline).",
}


class _Dumper(yaml.SafeDumper):
    """Plain block YAML: no anchors, lists indented under their key."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Flow(list):
    """A list written on one line (`[account_id, month]`)."""


_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, True)
)


def _dump(document: dict[str, Any]) -> str:
    return HEADER + yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True
    )


def _sensitive(column: Column) -> dict[str, Any]:
    return {"config": {"meta": {"sensitive": True}}} if column.sensitive else {}


# --------------------------------------------------------------------------- sources


def _source_table(ent: Entity) -> dict[str, Any]:
    columns = [{"name": c.name, "description": c.description, **_sensitive(c)} for c in ent.columns]
    columns += [{"name": name, "description": RAW_LINEAGE_DOCS[name]} for name in LINEAGE_COLUMNS]
    return {
        "name": ent.name,
        "description": f"{ent.description} Key: {', '.join(ent.key)}.",
        "columns": columns,
    }


def render_sources() -> str:
    source = {
        "name": "raw",
        "description": (
            "The raw layer written by the loader (ingestion/): every version of every row of "
            "the landing files, typed per the contract (docs/landing-contract.md), with the "
            "lineage columns _file_name, _row_number, _loaded_at and _batch_id. Rows are "
            "appended, never updated."
        ),
        "schema": "raw",
        "config": {"loaded_at_field": "_loaded_at", "freshness": FRESHNESS},
        "tables": [_source_table(ent) for ent in ENTITIES],
    }
    return _dump({"version": 2, "sources": [source]})


# --------------------------------------------------------------------------- staging


def _grain(ent: Entity) -> str:
    key = ", ".join(ent.key)
    if ent.reference:
        return (
            f"Grain: one row per {key}: the latest row (the later file, then the later row "
            "wins; reference entities have no updated_at)."
        )
    return (
        f"Grain: one row per {key}: the latest version (greatest updated_at, ties to the "
        "later file, then the later row), deleted rows removed."
    )


def _accepted_values(column: Column) -> list[Any]:
    if column.type == "int":
        return [int(v) for v in column.enum or ()]
    return list(column.enum or ())


def _accepted_range(column: Column) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if column.min_value is not None:
        bounds["min_value"] = int(column.min_value)
        bounds["min_inclusive"] = column.min_inclusive
    if column.max_value is not None:
        bounds["max_value"] = int(column.max_value)
        bounds["max_inclusive"] = column.max_inclusive
    return bounds


def _column_rules(ent: Entity) -> dict[str, Any]:
    """The contract's rules of the staged columns as one `column_rules` test
    (macros/column_rules.sql): the key unique and not null, required columns not null,
    enums, ranges."""
    key = [ent.column(name).staged_as for name in ent.key]
    rules: dict[str, Any] = {
        "not_null": [c.staged_as for c in ent.staged_columns if c.required or c.name in ent.key],
        "unique": [key[0] if len(key) == 1 else _Flow(key)],
        "accepted_values": {c.staged_as: _accepted_values(c) for c in ent.staged_columns if c.enum},
        "accepted_range": {
            c.staged_as: _accepted_range(c) for c in ent.staged_columns if c.has_range
        },
    }
    arguments = {name: rule for name, rule in rules.items() if rule}
    return {"column_rules": {"name": f"column_rules_{ent.staging_model}", "arguments": arguments}}


def _reference_tests(ent: Entity, column: Column) -> list[Any]:
    """Each reference of `column` resolved in its parent, or its row flagged."""
    tests: list[Any] = []
    for reference in foreign_keys(ent):
        if reference.column == column.name:
            parent = entity(reference.parent)
            tests.append(
                {
                    "relationships_or_flagged": {
                        "arguments": {
                            "to": f"ref('{parent.staging_model}')",
                            "field": parent.column(reference.parent_column).staged_as,
                            "entity": ent.name,
                            "key_columns": [ent.column(k).staged_as for k in ent.key],
                        }
                    }
                }
            )
    return tests


def _staged_column(ent: Entity, column: Column) -> list[dict[str, Any]]:
    description = column.description
    if column.staging_name:
        description = f"{description.rstrip('.')} (landing column `{column.name}`)."
    doc: dict[str, Any] = {"name": column.staged_as, "description": description}
    doc.update(_sensitive(column))
    tests = _reference_tests(ent, column)
    if tests:
        doc["data_tests"] = tests
    docs = [doc]
    if column.utc_date:
        docs.append({"name": column.utc_date, "description": f"UTC date of {column.staged_as}."})
    return docs


def _staging_model(ent: Entity) -> dict[str, Any]:
    model: dict[str, Any] = {
        "name": ent.staging_model,
        "description": (
            f"{ent.description} {_grain(ent)} Typed and renamed; timestamps in UTC without zone."
        ),
    }
    model["data_tests"] = [_column_rules(ent)]
    columns = [doc for column in ent.staged_columns for doc in _staged_column(ent, column)]
    columns += [
        {"name": name, "description": STAGING_LINEAGE_DOCS[name]} for name in LINEAGE_COLUMNS
    ]
    model["columns"] = columns
    return model


def render_staging_models() -> str:
    return _dump({"version": 2, "models": [_staging_model(ent) for ent in ENTITIES]})


# --------------------------------------------------------------------------- seeds


def render_reason_codes() -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["reason_code", "kind", "fate", "description"])
    for reason in REASONS:
        writer.writerow([reason.code, reason.kind, reason.fate, reason.description])
    return buffer.getvalue()


# --------------------------------------------------------------------------- personal data

MARTS_DIR = PROJECT_ROOT / "dbt_project" / "models" / "marts"


def sensitive_staged_names() -> list[str]:
    """The staging names of the columns the registry marks sensitive (personal data)."""
    return sorted({c.staged_as.lower() for e in ENTITIES for c in e.columns if c.sensitive})


def mart_models(marts_dir: Path = MARTS_DIR) -> list[str]:
    """Every mart model: the SQL and Python models under models/marts/."""
    return sorted(p.stem for p in marts_dir.rglob("*") if p.suffix in (".sql", ".py"))


def check_mart_columns(marts_dir: Path = MARTS_DIR) -> None:
    """Refuse a mart column documented as personal data (`meta: {sensitive: true}`) or named
    like a sensitive column: personal data stay in raw and staging."""
    sensitive = sensitive_staged_names()
    for path in sorted(marts_dir.rglob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            for column in model.get("columns", []):
                name = column["name"].lower()
                meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
                named = [s for s in sensitive if s in name]
                if meta.get("sensitive") or named:
                    why = f"named like {named[0]}" if named else "marked sensitive"
                    where = (
                        path.relative_to(PROJECT_ROOT)
                        if path.is_relative_to(PROJECT_ROOT)
                        else path
                    )
                    raise ValueError(
                        f"{where}: {model['name']}.{column['name']} is {why}: personal data "
                        "stay in raw and staging (docs/architecture.md, Personal data)"
                    )


def render_personal_data_test() -> str:
    check_mart_columns()
    refs = "".join(f"            ref('{name}'),\n" for name in mart_models())
    names = ", ".join(f"'{name}'" for name in sensitive_staged_names())
    return (
        "{# Generated from foundation/contract/ and models/marts/ by\n"
        "   `revops contract-sync`; do not edit by hand. #}\n"
        "{#\n"
        "    No personal data in the marts: the columns the contract registry marks\n"
        "    sensitive stay in raw and staging. Fails with a row per mart column named\n"
        "    like one of them or holding e-mail-like values (macros/personal_data.sql).\n"
        "#}\n"
        "{{ config(severity='error', tags=['personal_data']) }}\n\n"
        "{{\n"
        "    personal_data_in_marts(\n"
        "        marts=[\n"
        f"{refs}"
        "        ],\n"
        f"        sensitive_columns=[{names}],\n"
        "    )\n"
        "}}\n"
    )
