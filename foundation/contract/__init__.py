"""The contract registry: entities, columns, types, keys, enums, ranges,
foreign keys and reason codes, as data.

    from foundation.contract import ENTITIES, entity, foreign_keys
    entity("payments").column("status").enum   # ('succeeded', 'failed', 'refunded')
    foreign_keys(entity("payments"))          # [ForeignKey(payments.invoice_id -> invoices...)]
"""

from __future__ import annotations

from foundation.contract.entities import ENTITIES
from foundation.contract.files import (
    FILE_EXTENSIONS,
    FILE_LOADED,
    FILE_REJECTED,
    FILE_STATUSES,
    LINEAGE_COLUMNS,
    MAX_CSV_RECORD_BYTES,
    MAX_GZIP_EXPANSION,
    MAX_JSON_DEPTH,
    MAX_YEAR,
    MIN_YEAR,
    file_format,
    is_hidden,
    years_text,
)
from foundation.contract.model import (
    DUCKDB_TYPES,
    TYPE_EXPECTATIONS,
    Column,
    Entity,
    ForeignKey,
    RowRule,
)
from foundation.contract.reasons import (
    INVALID,
    INVALID_CODES,
    REASON_BY_CODE,
    REASONS,
    UNRESOLVED,
    UNRESOLVED_CODES,
    Reason,
)

ENTITY_BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}


def entity(name: str) -> Entity:
    try:
        return ENTITY_BY_NAME[name]
    except KeyError:
        known = ", ".join(ENTITY_BY_NAME)
        raise KeyError(f"unknown entity {name!r}; the contract knows: {known}") from None


def foreign_keys(child: Entity) -> list[ForeignKey]:
    """The entity's references to other entities, in column order."""
    keys = []
    for column in child.columns:
        if column.references is None:
            continue
        parent = entity(column.references)
        if len(parent.key) != 1:
            raise ValueError(
                f"{child.name}.{column.name} references {parent.name}, whose key has "
                f"{len(parent.key)} columns; a reference needs a single-column key"
            )
        keys.append(ForeignKey(child.name, column.name, parent.name, parent.key[0]))
    return keys


def _check_registry() -> None:
    """Every reference and every row-rule code names something the registry knows."""
    for ent in ENTITIES:
        foreign_keys(ent)
        for rule in ent.row_rules:
            if rule.code not in INVALID_CODES:
                raise ValueError(
                    f"{ent.name}: row rule code {rule.code!r} is not an invalid reason"
                )


_check_registry()

__all__ = [
    "DUCKDB_TYPES",
    "ENTITIES",
    "ENTITY_BY_NAME",
    "FILE_EXTENSIONS",
    "FILE_LOADED",
    "FILE_REJECTED",
    "FILE_STATUSES",
    "INVALID",
    "INVALID_CODES",
    "LINEAGE_COLUMNS",
    "MAX_CSV_RECORD_BYTES",
    "MAX_GZIP_EXPANSION",
    "MAX_JSON_DEPTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "REASONS",
    "REASON_BY_CODE",
    "TYPE_EXPECTATIONS",
    "UNRESOLVED",
    "UNRESOLVED_CODES",
    "Column",
    "Entity",
    "ForeignKey",
    "Reason",
    "RowRule",
    "entity",
    "file_format",
    "foreign_keys",
    "is_hidden",
    "years_text",
]
