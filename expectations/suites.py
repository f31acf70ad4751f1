"""The GX expectation suites, written as JSON into `expectations/gx/expectations/`.

One suite per validated table, named `<schema>.<table>` (`raw.invoices`,
`staging.stg_invoices`, `marts.fct_mrr`); GX's file store keeps the suite
`raw.invoices` in `expectations/gx/expectations/raw/invoices.json`, so the
suites are grouped by layer on disk. Each suite's `meta` holds `layer`,
`schema`, `table` and `severity` (`error` blocks downstream assets and
publishing, `warn` is reported only); `optional: true` means the table may be
absent (the contract's optional reference entities).

- raw suites are generated from `ingestion/contract.py`, the one contract
  definition: `revops_gx_build_raw_suites()` rewrites them (the JSON is
  committed; a test checks that regenerating gives the committed files);
- staging and marts suites are declared below and written by
  `build_all_suites()`.

Run `python -m expectations.suites` after changing the contract or a suite.
SQL checks are `UnexpectedRowsExpectation`s: the query returns the offending
rows, `{batch}` is the validated table, and tolerances follow METRICS.md (two
money values closer than 0.005 are equal; an invoice total may differ from its
lines by at most 0.01, as in CONTRACT.md).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

from foundation.contract import (
    ENTITIES,
    ENTITY_BY_NAME,
    LINEAGE_COLUMNS,
    Column,
    Entity,
    foreign_keys,
)
from foundation.duck import quote_literal

GX_DIR = Path(__file__).resolve().parent / "gx"
SUITES_DIR = GX_DIR / "expectations"
SEVERITIES = ("error", "warn")
LAYERS = ("raw", "staging", "marts")
# Fixed namespace so that suite and expectation ids (required by GX) are stable
# across regenerations and the committed JSON only changes when a suite does.
_ID_NAMESPACE = uuid.UUID("5d1f3c2e-7b0a-4c39-9a57-3f0e6f1d2b11")

_TABLE_REF = re.compile(r"\b((?:raw|staging|marts|audit)\.[a-z_]+)\b")
# Reference staging models feed only CAC and quota attainment: reported, not blocking.
WARN_STAGING = frozenset({"marketing_spend", "sales_targets"})


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    schema: str
    table: str
    severity: str
    expectations: tuple[Expectation, ...]
    optional: bool = False
    description: str = ""

    def reads(self) -> list[str]:
        """Other tables the suite's SQL checks read (`audit.load_files`, ...): a check
        must run after them, e.g. as Dagster `additional_deps`."""
        found = set()
        for exp in self.expectations:
            query = getattr(exp, "unexpected_rows_query", None) or ""
            found.update(_TABLE_REF.findall(query))
        found.discard(f"{self.schema}.{self.table}")
        return sorted(found)

    def build(self) -> gx.ExpectationSuite:
        if self.severity not in SEVERITIES:
            raise ValueError(f"suite {self.name}: severity {self.severity!r} not in {SEVERITIES}")
        gx_severity = "critical" if self.severity == "error" else "warning"
        expectations = []
        for exp in self.expectations:
            exp = exp.copy(deep=True)
            exp.severity = gx_severity
            expectations.append(exp)
        meta: dict[str, Any] = {
            "reads": self.reads(),
            "layer": self.schema,
            "schema": self.schema,
            "table": self.table,
            "severity": self.severity,
            "optional": self.optional,
            "description": self.description,
            "generated_by": "expectations/suites.py",
        }
        suite = gx.ExpectationSuite(
            name=self.name,
            expectations=expectations,
            meta=meta,
            id=str(uuid.uuid5(_ID_NAMESPACE, self.name)),
        )
        for index, exp in enumerate(suite.expectations):
            exp.id = str(uuid.uuid5(_ID_NAMESPACE, f"{self.name}/{index}"))
        return suite


def suite_path(name: str, suites_dir: Path = SUITES_DIR) -> Path:
    """Where GX's filesystem store keeps suite `name` (`raw.invoices` -> raw/invoices.json)."""
    return suites_dir.joinpath(*name.split(".")).with_suffix(".json")


def suite_json(spec: SuiteSpec) -> str:
    """The suite as GX's store writes it (sorted keys, two-space indent)."""
    return json.dumps(spec.build().to_json_dict(), indent=2, sort_keys=True) + "\n"


def write_suites(specs: Iterable[SuiteSpec], suites_dir: Path = SUITES_DIR) -> list[Path]:
    written = []
    for spec in specs:
        path = suite_path(spec.name, suites_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(suite_json(spec), encoding="utf-8")
        written.append(path)
    return written


# --------------------------------------------------------------------------- helpers


def _describe(exp: Expectation, description: str) -> Expectation:
    exp.description = description
    return exp


def _not_null(column: str, why: str) -> Expectation:
    return gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"{column} {why}")


def _unique(columns: Sequence[str]) -> Expectation:
    if len(columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(
            column=columns[0], description=f"{columns[0]} is unique (one row per key)"
        )
    return gxe.ExpectCompoundColumnsToBeUnique(
        column_list=list(columns),
        description=f"({', '.join(columns)}) is unique (one row per key)",
    )


def _rows(query: str, description: str) -> Expectation:
    """Fails with one unexpected row per row the query returns."""
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=_dedent(query), description=description
    )


def _dedent(query: str) -> str:
    lines = [line.rstrip() for line in query.strip("\n").splitlines()]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line)
    return "\n".join(line[indent:] for line in lines)


def _columns_typed_query(columns: Sequence[tuple[str, str]]) -> str:
    """Rows for each expected column that is missing or has another type.

    DuckDB normalises the expected type itself: `typeof(cast(null as decimal(18, 4)))`
    is `DECIMAL(18,4)`, the spelling `describe` reports.
    """
    values = ",\n".join(
        f"        ({quote_literal(name)}, typeof(cast(null as {type_})))" for name, type_ in columns
    )
    return f"""
    with expected (column_name, expected_type) as (
        values
{values}
    ),
    actual as (
        select column_name, column_type as actual_type from (describe {{batch}})
    )
    select expected.column_name, expected.expected_type, actual.actual_type
    from expected
    left join actual on actual.column_name = expected.column_name
    where actual.actual_type is distinct from expected.expected_type
    """


# --------------------------------------------------------------------------- raw

# Lineage that must be set on every raw row: where it came from and when it was loaded.
RAW_LINEAGE_NOT_NULL = ("_file_name", "_row_number", "_loaded_at")


def _nulls_query(columns: Sequence[str]) -> str:
    """Rows with a null in any of `columns`: one scan of the table for all of them
    (one GX expectation per column costs a query and GX's own bookkeeping each),
    and each unexpected row says where it came from and which columns are null."""
    named = ",\n".join(
        f"            case when {c} is null then {quote_literal(c)} end" for c in columns
    )
    any_null = "\n        or ".join(f"{c} is null" for c in columns)
    return f"""
    select
        _file_name,
        _row_number,
        concat_ws(
            ', ',
{named}
        ) as null_columns
    from {{batch}}
    where {any_null}
    """


def raw_suite(ent: Entity) -> SuiteSpec:
    """Columns typed per the contract, lineage present, required and keys not null,
    and the row count reconciles with `audit.load_files`."""
    contract_columns = [(c.name, c.duckdb_type) for c in ent.columns]
    expectations: list[Expectation] = [
        _rows(
            _columns_typed_query(contract_columns),
            f"every contract column of {ent.name} is present with its contract type",
        ),
        _rows(
            _columns_typed_query(list(LINEAGE_COLUMNS.items())),
            "lineage columns (_file_name, _row_number, _loaded_at, _batch_id) are present",
        ),
    ]
    expectations.append(
        _rows(
            _nulls_query([*ent.required_columns, *RAW_LINEAGE_NOT_NULL]),
            f"key and required columns of {ent.name} ({', '.join(ent.required_columns)}) "
            f"and lineage ({', '.join(RAW_LINEAGE_NOT_NULL)}) are not null",
        )
    )
    expectations.append(
        _rows(
            f"""
            with raw_rows as (
                select count(*) as raw_rows from {{batch}}
            ),
            loaded_rows as (
                select coalesce(sum(rows_loaded), 0) as loaded_rows
                from audit.load_files
                where entity = {quote_literal(ent.name)} and status = 'loaded'
            )
            select raw_rows.raw_rows, loaded_rows.loaded_rows
            from raw_rows
            cross join loaded_rows
            where raw_rows.raw_rows <> loaded_rows.loaded_rows
            """,
            f"count(*) of raw.{ent.name} equals the rows_loaded of its loaded files "
            "in audit.load_files",
        )
    )
    return SuiteSpec(
        name=f"raw.{ent.name}",
        schema="raw",
        table=ent.name,
        severity="error",
        expectations=tuple(expectations),
        optional=ent.reference,
        description=f"raw.{ent.name} as the loader must leave it (ingestion/contract.py).",
    )


def raw_suites() -> list[SuiteSpec]:
    return [raw_suite(ent) for ent in ENTITIES]


def revops_gx_build_raw_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Regenerate the raw-layer suites from `ingestion/contract.py`; returns the files."""
    return write_suites(raw_suites(), suites_dir)


# --------------------------------------------------------------------------- staging


def _staging_name(ent: Entity, column: str) -> str:
    return ent.column(column).staged_as


def _enum_values(col: Column) -> list[Any]:
    assert col.enum is not None
    return [int(v) for v in col.enum] if col.type == "int" else list(col.enum)


def _range(ent: Entity, col: Column) -> Expectation:
    kwargs: dict[str, Any] = {"column": _staging_name(ent, col.name)}
    bounds = []
    if col.min_value is not None:
        kwargs["min_value"] = float(col.min_value)
        kwargs["strict_min"] = not col.min_inclusive
        bounds.append(f"{'>=' if col.min_inclusive else '>'} {col.min_value}")
    if col.max_value is not None:
        kwargs["max_value"] = float(col.max_value)
        kwargs["strict_max"] = not col.max_inclusive
        bounds.append(f"{'<=' if col.max_inclusive else '<'} {col.max_value}")
    return gxe.ExpectColumnValuesToBeBetween(
        **kwargs, description=f"{kwargs['column']} {' and '.join(bounds)} (contract range)"
    )


def staging_suite(ent: Entity) -> SuiteSpec:
    """Unique keys, enums, ranges and referential integrity after flagging."""
    key = [_staging_name(ent, k) for k in ent.key]
    expectations: list[Expectation] = [_not_null(k, "is a key column") for k in key]
    expectations.append(_unique(key))
    for col in ent.columns:
        if col.enum is not None:
            name = _staging_name(ent, col.name)
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=name,
                    value_set=_enum_values(col),
                    description=f"{name} is one of the contract's values",
                )
            )
        if col.min_value is not None or col.max_value is not None:
            expectations.append(_range(ent, col))
    child_key = _staging_name(ent, ent.key[0])
    for reference in foreign_keys(ent):
        column, parent, parent_key = reference.column, reference.parent, reference.parent_column
        expectations.append(
            _rows(
                f"""
                select child.{child_key}, child.{column}
                from {{batch}} as child
                left join staging.stg_{parent} as parent
                    on parent.{parent_key} = child.{column}
                where child.{column} is not null
                    and parent.{parent_key} is null
                    and not exists (
                        select 1
                        from audit.flagged as flagged
                        where flagged.entity = {quote_literal(ent.name)}
                            and flagged.record_key = child.{child_key}
                            and flagged.reason = 'orphan_reference'
                    )
                """,
                f"every {column} is in stg_{parent}, or the row is flagged orphan_reference "
                "in audit.flagged",
            )
        )
    return SuiteSpec(
        name=f"staging.stg_{ent.name}",
        schema="staging",
        table=f"stg_{ent.name}",
        severity="warn" if ent.name in WARN_STAGING else "error",
        expectations=tuple(expectations),
        description=f"stg_{ent.name}: latest version per key, deleted removed.",
    )


def staging_suites() -> list[SuiteSpec]:
    return [staging_suite(ent) for ent in ENTITIES]


# --------------------------------------------------------------------------- marts

MRR_MOVEMENTS = ["new", "reactivation", "expansion", "contraction", "churn", "unchanged"]
AR_BUCKETS = ["current", "1_30", "31_60", "61_90", "over_90"]


def mart_suites() -> list[SuiteSpec]:
    return [
        SuiteSpec(
            name="marts.fct_invoices",
            schema="marts",
            table="fct_invoices",
            severity="error",
            description="One row per invoice; totals reconcile with the lines.",
            expectations=(
                _not_null("invoice_id", "is the key"),
                _unique(["invoice_id"]),
                _rows(
                    """
                    with line_totals as (
                        select invoice_id, sum(amount) as lines_amount
                        from marts.fct_invoice_lines
                        group by invoice_id
                    )
                    select
                        coalesce(invoices.invoice_id, line_totals.invoice_id) as invoice_id,
                        invoices.total_amount,
                        line_totals.lines_amount
                    from {batch} as invoices
                    full outer join line_totals
                        on line_totals.invoice_id = invoices.invoice_id
                    where abs(
                        coalesce(invoices.total_amount, 0) - coalesce(line_totals.lines_amount, 0)
                    ) > 0.01
                    """,
                    "per invoice, the sum of fct_invoice_lines.amount equals "
                    "fct_invoices.total_amount (within 0.01)",
                ),
            ),
        ),
        SuiteSpec(
            name="marts.fct_invoice_lines",
            schema="marts",
            table="fct_invoice_lines",
            severity="error",
            description="One row per invoice line.",
            expectations=(
                _not_null("invoice_line_id", "is the key"),
                _unique(["invoice_line_id"]),
                _not_null("invoice_id", "links the line to its invoice"),
                _not_null("amount", "is required"),
            ),
        ),
        SuiteSpec(
            name="marts.fct_quotes",
            schema="marts",
            table="fct_quotes",
            severity="error",
            description="One row per quote.",
            expectations=(
                _not_null("quote_id", "is the key"),
                _unique(["quote_id"]),
                gxe.ExpectColumnValuesToBeInSet(
                    column="quote_status",
                    value_set=list(ENTITY_BY_NAME["quotes"].column("status").enum or ()),
                    description="quote_status is one of the contract's values",
                ),
                _rows(
                    """
                    select quote_id, quote_status, tcv_usd
                    from {batch}
                    where (quote_status = 'accepted') <> (tcv_usd is not null)
                    """,
                    "tcv_usd is set exactly for accepted quotes",
                ),
            ),
        ),
        SuiteSpec(
            name="marts.fct_mrr",
            schema="marts",
            table="fct_mrr",
            severity="error",
            description="MRR per account and month, with its movement (METRICS.md).",
            expectations=(
                _not_null("account_id", "is part of the key"),
                _not_null("month", "is part of the key"),
                _unique(["account_id", "month"]),
                _not_null("mrr", "is set for every account and month"),
                _describe(
                    gxe.ExpectColumnValuesToBeBetween(column="mrr", min_value=-0.005),
                    "no negative MRR (values within 0.005 of 0 count as 0)",
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="movement",
                    value_set=MRR_MOVEMENTS,
                    description="movement is one of METRICS.md's kinds",
                ),
                _rows(
                    """
                    select account_id, month, mrr, prev_mrr, movement, movement_amount
                    from {batch}
                    where prev_mrr is null
                        or movement_amount is null
                        or abs(mrr - (prev_mrr + movement_amount)) >= 0.005
                    """,
                    "movements add up: mrr = prev_mrr + movement_amount (within 0.005) "
                    "for every account and month",
                ),
                _rows(
                    """
                    with ordered as (
                        select
                            account_id,
                            month,
                            prev_mrr,
                            coalesce(
                                lag(mrr) over (partition by account_id order by month), 0
                            ) as mrr_month_before
                        from {batch}
                    )
                    select account_id, month, prev_mrr, mrr_month_before
                    from ordered
                    where abs(prev_mrr - mrr_month_before) >= 0.005
                    """,
                    "prev_mrr is the account's mrr of the month before (0 in its first month)",
                ),
            ),
        ),
        SuiteSpec(
            name="marts.metrics_monthly",
            schema="marts",
            table="metrics_monthly",
            severity="error",
            description="One row per month: the RevOps numbers of METRICS.md.",
            expectations=(
                _not_null("month", "is the key"),
                _unique(["month"]),
                _describe(
                    gxe.ExpectColumnValuesToBeBetween(column="mrr", min_value=-0.005),
                    "no negative MRR (values within 0.005 of 0 count as 0)",
                ),
                _rows(
                    """
                    select month, mrr, arr
                    from {batch}
                    where abs(arr - 12 * mrr) >= 0.005
                    """,
                    "arr = 12 * mrr (within 0.005)",
                ),
                _describe(
                    gxe.ExpectColumnValuesToBeBetween(column="accounts_receivable", min_value=0),
                    "accounts_receivable >= 0",
                ),
                _rows(
                    """
                    with bookings as (
                        select
                            cast(date_trunc('month', decided_date) as date) as month,
                            sum(tcv_usd) as accepted_tcv_usd
                        from marts.fct_quotes
                        where quote_status = 'accepted'
                        group by cast(date_trunc('month', decided_date) as date)
                    )
                    select metrics.month, metrics.bookings_tcv, bookings.accepted_tcv_usd
                    from {batch} as metrics
                    left join bookings
                        on bookings.month = metrics.month
                    where abs(
                        coalesce(metrics.bookings_tcv, 0) - coalesce(bookings.accepted_tcv_usd, 0)
                    ) >= 0.005
                    """,
                    "bookings_tcv equals the sum of tcv_usd of quotes accepted in the month",
                ),
            ),
        ),
        SuiteSpec(
            name="marts.ar_aging_monthly",
            schema="marts",
            table="ar_aging_monthly",
            severity="warn",
            description="Receivables per month and aging bucket.",
            expectations=(
                _unique(["month", "bucket"]),
                gxe.ExpectColumnValuesToBeInSet(
                    column="bucket",
                    value_set=AR_BUCKETS,
                    description="bucket is one of METRICS.md's aging buckets",
                ),
                _describe(
                    gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
                    "amount >= 0",
                ),
            ),
        ),
    ]


def all_suites() -> list[SuiteSpec]:
    return raw_suites() + staging_suites() + mart_suites()


def generated_suites() -> dict[str, str]:
    """Every suite's JSON by its path relative to the repository root (what
    `revops contract-sync` writes and checks)."""
    root = GX_DIR.parent.parent
    return {str(suite_path(spec.name).relative_to(root)): suite_json(spec) for spec in all_suites()}


def build_all_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Rewrite every suite's JSON (raw from the contract, staging and marts from above)."""
    return write_suites(all_suites(), suites_dir)


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in build_all_suites():
        logging.getLogger(__name__).info("wrote %s", path)
