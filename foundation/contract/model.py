"""The shapes of the registry: an entity, its columns, its row rules.

Everything a loader, a check or a document needs to know about a landing
entity is a field here, as data: the column's type, whether it is required,
its allowed values or range, the entity it references, its name in staging.
Nothing reads a rule out of free text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Contract type -> DuckDB type in the raw layer.
DUCKDB_TYPES: dict[str, str] = {
    "str": "varchar",
    "int": "bigint",
    "decimal": "decimal(18, 4)",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamptz",
    "currency": "varchar",
    "country": "varchar",
}

# What a value of each contract type must look like, for error messages and docs.
TYPE_EXPECTATIONS: dict[str, str] = {
    "str": "text",
    "int": "a whole number",
    "decimal": "a decimal number (up to 18 digits, 4 after the point)",
    "bool": "one of true/false/1/0/yes/no (any case)",
    "date": "an ISO 8601 date YYYY-MM-DD",
    "timestamp": "an ISO 8601 timestamp (no zone = UTC)",
    "currency": "an ISO 4217 code of three upper-case letters",
    "country": "an ISO 3166-1 alpha-2 code of two upper-case letters",
}


@dataclass(frozen=True)
class Column:
    """One landing column.

    `references` names the parent entity of a foreign key (its key column is
    the parent's single key). `staging_name` is the column's name in
    `staging.stg_<entity>` when it differs; `utc_date` names the extra staging
    column holding a timestamp's UTC date.
    """

    name: str
    type: str
    required: bool = False
    description: str = ""
    enum: tuple[str, ...] | None = None
    min_value: Decimal | None = None
    min_inclusive: bool = True
    max_value: Decimal | None = None
    max_inclusive: bool = True
    sensitive: bool = False
    references: str | None = None
    staging_name: str | None = None
    utc_date: str | None = None
    in_staging: bool = True

    def __post_init__(self) -> None:
        if self.type not in DUCKDB_TYPES:
            raise ValueError(f"column {self.name}: unknown contract type {self.type!r}")

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @property
    def staged_as(self) -> str:
        """The column's name in staging."""
        return self.staging_name or self.name

    @property
    def has_range(self) -> bool:
        return self.min_value is not None or self.max_value is not None

    def range_text(self) -> str:
        """`>= 0`, `> 0 and < 100`: the range as a reader writes it (empty without one)."""
        parts = []
        if self.min_value is not None:
            parts.append(f"{'>=' if self.min_inclusive else '>'} {self.min_value}")
        if self.max_value is not None:
            parts.append(f"{'<=' if self.max_inclusive else '<'} {self.max_value}")
        return " and ".join(parts)


@dataclass(frozen=True)
class RowRule:
    """A rule across the columns of one row: `predicate` (SQL over the typed
    columns) must hold; when it does not, the row is quarantined with `code`,
    reported on `column`."""

    code: str
    column: str
    predicate: str


@dataclass(frozen=True)
class ForeignKey:
    """`entity.column` references `parent.parent_column`."""

    entity: str
    column: str
    parent: str
    parent_column: str


@dataclass(frozen=True)
class Entity:
    """One landing folder: its columns, key and rules.

    A `reference` entity (FX rates, targets, spend, forecast submissions) has
    no `updated_at`: a later file replaces earlier rows with the same key. An
    `optional` entity may never land: the landing still loads, and the metrics
    that need it are null, not zero.
    """

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    reference: bool = False
    optional: bool = False
    description: str = ""
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"entity {self.name}: a column is listed twice")
        if self.reference == ("updated_at" in names):
            raise ValueError(
                f"entity {self.name}: a reference entity has no updated_at, every other has one"
            )
        for name in self.key:
            if name not in names:
                raise ValueError(f"entity {self.name}: key column {name!r} is not a column")
        for rule in self.row_rules:
            if rule.column not in names:
                raise ValueError(f"entity {self.name}: row rule on unknown column {rule.column!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def has_deletes(self) -> bool:
        """Whether a row can be deleted (`is_deleted` on its winning version)."""
        return "is_deleted" in self.column_names

    @property
    def staging_model(self) -> str:
        return f"stg_{self.name}"

    @property
    def staged_columns(self) -> tuple[Column, ...]:
        """The contract columns that reach staging (`is_deleted` does not)."""
        return tuple(c for c in self.columns if c.in_staging)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")
