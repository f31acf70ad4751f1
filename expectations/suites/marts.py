"""marts.fct_<entity>: reconciled with staging.stg_<entity> and the excluded rows.

The metric and fact invariants (invoice totals, MRR movements, keys, enums)
are properties of one model each: dbt's tests. What lies across layers is
GX's: a fact row per staged row that was not left out, and nothing else.

- every staging key is in the fact or in `intermediate.int_records_excluded`
  for that entity (nothing lost);
- every fact key is a staging key that `int_records_excluded` does not hold
  (nothing invented, nothing excluded let through).

A fact whose entity references nothing (`UNEXCLUDED_FACT_ENTITIES`: forecast
submissions) has no row flagged or excluded: every staging key is in the fact
and every fact key in staging, on the whole key (owner_rep_id, forecast_month,
submitted_at), not a surrogate the fact computes.
"""

from __future__ import annotations

from collections.abc import Sequence

from expectations.suites.spec import Check, SuiteSpec
from expectations.suites.sql import select_list, unexpected_rows
from expectations.suites.volumes import row_count_check
from foundation.checks import ERROR
from foundation.contract import Entity, entity
from foundation.duck import quote_literal

# The facts with one row per staged row of their entity that is not excluded
# (int_records_excluded names a row by a one-column key).
FACT_ENTITIES = ("quotes", "quote_lines", "invoices", "invoice_lines", "payments")
# The facts with one row per staged row, none excluded (their entity references nothing).
UNEXCLUDED_FACT_ENTITIES = ("forecast_submissions",)
EXCLUDED = "intermediate.int_records_excluded"


def fact_table(ent: Entity) -> str:
    return f"fct_{ent.name}"


def is_excludable(ent: Entity) -> bool:
    return ent.name not in UNEXCLUDED_FACT_ENTITIES


def staged_key(ent: Entity) -> list[str]:
    """The key columns as staging and the fact name them."""
    return [ent.column(name).staged_as for name in ent.key]


def key_label(ent: Entity) -> str:
    """`payment_id`; `(owner_rep_id, forecast_month, submitted_at)` for a wider key."""
    keys = staged_key(ent)
    return keys[0] if len(keys) == 1 else f"({', '.join(keys)})"


def _same_key(left: str, right: str, keys: Sequence[str], indent: int) -> str:
    """`left.a = right.a`, one condition a line (keys are not null: staging tests)."""
    return f"\n{' ' * indent}and ".join(f"{left}.{key} = {right}.{key}" for key in keys)


def _excluded(ent: Entity, key_expression: str) -> str:
    return f"""exists (
            select 1
            from {EXCLUDED} as excluded
            where excluded.entity = {quote_literal(ent.name)}
                and excluded.record_key = {key_expression}
        )"""


def _fact_keys(key: str) -> str:
    """The CTE of the fact's keys (`{batch}` is never aliased: GX may alias it)."""
    return f"""with fact_keys as (
        select {key}
        from {{batch}}
    )"""


def staged_keys_in_fact_query(ent: Entity) -> str:
    keys = staged_key(ent)
    not_excluded = (
        f"\n        and not {_excluded(ent, f'staged.{keys[0]}')}" if is_excludable(ent) else ""
    )
    return f"""
    {_fact_keys(", ".join(keys))}
    select {select_list("staged", keys)}
    from staging.{ent.staging_model} as staged
    where not exists (
            select 1
            from fact_keys
            where {_same_key("fact_keys", "staged", keys, indent=16)}
        ){not_excluded}
    """


def fact_keys_staged_query(ent: Entity) -> str:
    keys, first = staged_key(ent), staged_key(ent)[0]
    if is_excludable(ent):
        problem = f"""case
            when staged.{first} is null then 'not in {ent.staging_model}'
            else 'excluded in int_records_excluded'
        end as problem"""
        excluded = f"\n        or {_excluded(ent, f'fact_keys.{first}')}"
    else:
        problem = f"'not in {ent.staging_model}' as problem"
        excluded = ""
    columns = "".join(f"\n        fact_keys.{key}," for key in keys)
    return f"""
    {_fact_keys(", ".join(keys))}
    select{columns}
        {problem}
    from fact_keys
    left join staging.{ent.staging_model} as staged
        on {_same_key("staged", "fact_keys", keys, indent=12)}
    where staged.{first} is null{excluded}
    """


def mart_suite(ent: Entity) -> SuiteSpec:
    excludable = is_excludable(ent)
    if excludable and len(ent.key) != 1:
        raise ValueError(f"fact of {ent.name}: int_records_excluded needs a one-column key")
    key, fact = key_label(ent), fact_table(ent)
    if excludable:
        lost = f"is in {fact} or in int_records_excluded (nothing lost)"
        invented = f"is in {ent.staging_model} and not in int_records_excluded (nothing invented)"
        description = f"{fact}: one row per staged {ent.name} row that is not excluded."
    else:
        lost = f"is in {fact} (nothing lost)"
        invented = f"is in {ent.staging_model} (nothing invented)"
        description = f"{fact}: one row per staged {ent.name} row (none is excluded)."
    return SuiteSpec(
        name=f"marts.{fact}",
        schema="marts",
        table=fact,
        checks=(
            Check(
                unexpected_rows(
                    staged_keys_in_fact_query(ent), f"every {key} of {ent.staging_model} {lost}"
                ),
                ERROR,
            ),
            Check(
                unexpected_rows(fact_keys_staged_query(ent), f"every {key} of {fact} {invented}"),
                ERROR,
            ),
            row_count_check(f"marts.{fact}"),
        ),
        description=description,
    )


def mart_suites() -> list[SuiteSpec]:
    return [mart_suite(entity(name)) for name in FACT_ENTITIES + UNEXCLUDED_FACT_ENTITIES]
