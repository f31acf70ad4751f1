"""marts.fct_<entity>: reconciled with staging.stg_<entity> and the excluded rows.

The metric and fact invariants (invoice totals, MRR movements, keys, enums)
are properties of one model each: dbt's tests. What lies across layers is
GX's: a fact row per staged row that was not left out, and nothing else.

- every staging key is in the fact or in `intermediate.int_records_excluded`
  for that entity (nothing lost);
- every fact key is a staging key that `int_records_excluded` does not hold
  (nothing invented, nothing excluded let through).
"""

from __future__ import annotations

from expectations.suites.spec import Check, SuiteSpec
from expectations.suites.sql import unexpected_rows
from expectations.suites.volumes import row_count_check
from foundation.checks import ERROR
from foundation.contract import Entity, entity
from foundation.duck import quote_literal

# The facts with one row per staged row of their entity that is not excluded.
FACT_ENTITIES = ("quotes", "quote_lines", "invoices", "invoice_lines", "payments")
EXCLUDED = "intermediate.int_records_excluded"


def fact_table(ent: Entity) -> str:
    return f"fct_{ent.name}"


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
    key = ent.column(ent.key[0]).staged_as
    return f"""
    {_fact_keys(key)}
    select staged.{key}
    from staging.{ent.staging_model} as staged
    where not exists (
            select 1
            from fact_keys
            where fact_keys.{key} = staged.{key}
        )
        and not {_excluded(ent, f"staged.{key}")}
    """


def fact_keys_staged_query(ent: Entity) -> str:
    key = ent.column(ent.key[0]).staged_as
    return f"""
    {_fact_keys(key)}
    select
        fact_keys.{key},
        case
            when staged.{key} is null then 'not in {ent.staging_model}'
            else 'excluded in int_records_excluded'
        end as problem
    from fact_keys
    left join staging.{ent.staging_model} as staged
        on staged.{key} = fact_keys.{key}
    where staged.{key} is null
        or {_excluded(ent, f"fact_keys.{key}")}
    """


def mart_suite(ent: Entity) -> SuiteSpec:
    if len(ent.key) != 1:
        raise ValueError(f"fact of {ent.name}: int_records_excluded needs a one-column key")
    key, fact = ent.column(ent.key[0]).staged_as, fact_table(ent)
    return SuiteSpec(
        name=f"marts.{fact}",
        schema="marts",
        table=fact,
        checks=(
            Check(
                unexpected_rows(
                    staged_keys_in_fact_query(ent),
                    f"every {key} of {ent.staging_model} is in {fact} or in "
                    "int_records_excluded (nothing lost)",
                ),
                ERROR,
            ),
            Check(
                unexpected_rows(
                    fact_keys_staged_query(ent),
                    f"every {key} of {fact} is in {ent.staging_model} and not in "
                    "int_records_excluded (nothing invented)",
                ),
                ERROR,
            ),
            row_count_check(f"marts.{fact}"),
        ),
        description=f"{fact}: one row per staged {ent.name} row that is not excluded.",
    )


def mart_suites() -> list[SuiteSpec]:
    return [mart_suite(entity(name)) for name in FACT_ENTITIES]
