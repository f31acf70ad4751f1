"""marts.fct_<entity>: reconciled with staging.stg_<entity> and the excluded rows;
marts.lead_funnel_monthly: reconciled with staging.stg_leads;
marts.product_margin_monthly: reconciled with the invoice-line facts.

The metric and fact invariants (invoice totals, MRR movements, keys, enums)
are properties of one model each: dbt's tests. What lies across layers is
GX's: a fact row per staged row that was not left out, and nothing else.

- every staging key is in the fact or in `intermediate.int_records_excluded`
  for that entity (nothing lost);
- every fact key is a staging key that `int_records_excluded` does not hold
  (nothing invented, nothing excluded let through).

A row of a composite-key fact (product usage: account_id, product_id, month) is
named in `int_records_excluded` by its key columns as text joined by '|' (dbt's
record_key macro); the staging and fact rows are compared on the columns.

A fact whose entity references nothing (`UNEXCLUDED_FACT_ENTITIES`: forecast
submissions) has no row flagged or excluded: every staging key is in the fact
and every fact key in staging, on the whole key (owner_rep_id, forecast_month,
submitted_at), not a surrogate the fact computes.

The lead funnel counts staged leads, so it is checked against them the same
way (docs/metrics.md (Leads and activities)): its leads created over all its
months are the staged leads not excluded whose UTC created month lies in the
month range (`intermediate.int_metric_months_spined`), and every month and
channel holds the leads created, qualified and converted into an account with
MRR > 0 in `marts.fct_mrr` that staging gives.

The product margin is checked against the star schema (docs/metrics.md (Margin)):
each month and family holds the costed lines (billable invoice, amount > 0, a
quantity, a product of `marts.dim_product` with a unit_cost and an FX rate of its
currency on or before the issued date) of `marts.fct_invoice_lines` issued in a spine
month, with the sum of their amount_usd (the cost itself is dbt's unit-tested model).

The account 360 holds one row per current account of staging and no other
(nothing lost, nothing invented), and its MRR in the as-of month is fct_mrr's
(docs/metrics.md (Account 360)). The churn model's evaluations in
`marts.model_evaluation` hold this build's row, whose test window counts the
test rows the model scored (`ml.churn_risk_scored`, written by ml/churn_step.py).
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
# (int_records_excluded names a row by its key, a composite one joined by '|').
FACT_ENTITIES = (
    "quotes",
    "quote_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "leads",
    "activities",
    "csat_responses",
    "product_usage",
)
# The facts with one row per staged row, none excluded (their entity references nothing).
UNEXCLUDED_FACT_ENTITIES = ("forecast_submissions",)
EXCLUDED = "intermediate.int_records_excluded"
SPINE = "intermediate.int_metric_months_spined"
LEAD_FUNNEL = "lead_funnel_monthly"
ACCOUNT_360 = "account_360"
MODEL_EVALUATION = "model_evaluation"
CHURN_SCORES = "ml.churn_risk_scored"
PRODUCT_MARGIN = "product_margin_monthly"


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


def record_key(alias: str, keys: Sequence[str]) -> str:
    """The row's name in int_records_excluded: the key, or the key columns as text
    joined by '|' (`A-1|P-2|2025-03-01`), as dbt's record_key macro writes it.

    `||` turns each part into text itself, as the macro's `cast(... as
    type_string())` does on the same engine; no type is named, since no text type
    is spelled alike on every engine (Spark has no `varchar` without a length,
    Postgres no `string`)."""
    if len(keys) == 1:
        return f"{alias}.{keys[0]}"
    return " || '|' || ".join(f"{alias}.{key}" for key in keys)


def _excluded(ent: Entity, key_expression: str) -> str:
    return f"""exists (
            select 1
            from {EXCLUDED} as excluded
            where excluded.entity = {quote_literal(ent.name)}
                and excluded.record_key = {key_expression}
        )"""


def _fact_keys(key: str) -> str:
    """The CTE of the fact's keys (`{batch}` is aliased by `unexpected_rows` if need be)."""
    return f"""with fact_keys as (
        select {key}
        from {{batch}}
    )"""


def staged_keys_in_fact_query(ent: Entity) -> str:
    keys = staged_key(ent)
    not_excluded = (
        f"\n        and not {_excluded(ent, record_key('staged', keys))}"
        if is_excludable(ent)
        else ""
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
        excluded = f"\n        or {_excluded(ent, record_key('fact_keys', keys))}"
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


def _staged_leads_in_spine() -> str:
    """CTEs of the staged leads not excluded whose created month is a spine month, with
    their channel (`unknown` when null), qualification and paying conversion."""
    leads = entity("leads")
    return f"""spine as (
        select month
        from {SPINE}
    ),
    paying_accounts as (
        select distinct account_id
        from marts.fct_mrr
        where mrr > 0
    ),
    staged as (
        select
            cast(date_trunc('month', staged.created_date) as date) as month,
            coalesce(staged.source_channel, 'unknown') as source_channel,
            staged.qualified_at is not null or staged.lead_status = 'converted'
                as is_qualified,
            staged.lead_status = 'converted'
                and paying_accounts.account_id is not null as is_converted_paying
        from staging.{leads.staging_model} as staged
        left join paying_accounts
            on paying_accounts.account_id = staged.converted_account_id
        where not {_excluded(leads, "staged.lead_id")}
    ),
    staged_in_spine as (
        select staged.*
        from staged
        inner join spine
            on spine.month = staged.month
    )"""


def funnel_total_query() -> str:
    return f"""
    with funnel as (
        select leads_created
        from {{batch}}
    ),
    {_staged_leads_in_spine()}
    select funnel_leads_created, staged_leads_created
    from (
        select
            (select coalesce(sum(leads_created), 0) from funnel) as funnel_leads_created,
            (select count(*) from staged_in_spine) as staged_leads_created
    ) as totals
    where funnel_leads_created <> staged_leads_created
    """


def funnel_cells_query() -> str:
    return f"""
    with funnel as (
        select month, source_channel, leads_created, leads_qualified, leads_converted_paying
        from {{batch}}
    ),
    {_staged_leads_in_spine()},
    staged_counted as (
        select
            month,
            source_channel,
            count(*) as leads_created,
            count(*) filter (where is_qualified) as leads_qualified,
            count(*) filter (where is_converted_paying) as leads_converted_paying
        from staged_in_spine
        group by month, source_channel
    )
    select
        coalesce(funnel.month, staged_counted.month) as month,
        coalesce(funnel.source_channel, staged_counted.source_channel) as source_channel,
        funnel.leads_created,
        staged_counted.leads_created as staged_leads_created,
        funnel.leads_qualified,
        staged_counted.leads_qualified as staged_leads_qualified,
        funnel.leads_converted_paying,
        staged_counted.leads_converted_paying as staged_leads_converted_paying
    from funnel
    full outer join staged_counted
        on staged_counted.month = funnel.month
        and staged_counted.source_channel = funnel.source_channel
    where coalesce(funnel.leads_created, 0) <> coalesce(staged_counted.leads_created, 0)
        or coalesce(funnel.leads_qualified, 0) <> coalesce(staged_counted.leads_qualified, 0)
        or coalesce(funnel.leads_converted_paying, 0)
            <> coalesce(staged_counted.leads_converted_paying, 0)
    """


def lead_funnel_suite() -> SuiteSpec:
    return SuiteSpec(
        name=f"marts.{LEAD_FUNNEL}",
        schema="marts",
        table=LEAD_FUNNEL,
        checks=(
            Check(
                unexpected_rows(
                    funnel_total_query(),
                    f"the sum of leads_created of {LEAD_FUNNEL} equals the leads of "
                    "stg_leads not in int_records_excluded created in a month of "
                    "int_metric_months_spined (nothing lost, nothing invented)",
                ),
                ERROR,
            ),
            Check(
                unexpected_rows(
                    funnel_cells_query(),
                    "leads_created, leads_qualified and leads_converted_paying of each "
                    f"month and source_channel of {LEAD_FUNNEL} equal those of stg_leads "
                    "(not excluded; paying: converted into an account with mrr > 0 in "
                    "fct_mrr)",
                ),
                ERROR,
            ),
            row_count_check(f"marts.{LEAD_FUNNEL}"),
        ),
        description=f"{LEAD_FUNNEL}: the lead cohorts of staging, month by month and "
        "channel by channel.",
    )


def account_360_accounts_query() -> str:
    accounts = entity("accounts")
    return f"""
    with account_rows as (
        select account_id
        from {{batch}}
    )
    select
        coalesce(staged.account_id, account_rows.account_id) as account_id,
        case
            when account_rows.account_id is null then 'missing in {ACCOUNT_360}'
            else 'not a current account of {accounts.staging_model}'
        end as problem
    from staging.{accounts.staging_model} as staged
    full outer join account_rows
        on account_rows.account_id = staged.account_id
    where staged.account_id is null or account_rows.account_id is null
    """


def account_360_mrr_query() -> str:
    return f"""
    with account_rows as (
        select account_id, mrr
        from {{batch}}
    ),
    as_of_mrr as (
        select fct_mrr.account_id, fct_mrr.mrr
        from marts.fct_mrr as fct_mrr
        inner join {SPINE} as spine
            on spine.month = fct_mrr.month
        where spine.is_as_of_month
    )
    select
        account_rows.account_id,
        account_rows.mrr,
        as_of_mrr.mrr as fct_mrr_mrr
    from account_rows
    left join as_of_mrr
        on as_of_mrr.account_id = account_rows.account_id
    where abs(account_rows.mrr - coalesce(as_of_mrr.mrr, 0)) >= 0.005
    """


def account_360_suite() -> SuiteSpec:
    return SuiteSpec(
        name=f"marts.{ACCOUNT_360}",
        schema="marts",
        table=ACCOUNT_360,
        checks=(
            Check(
                unexpected_rows(
                    account_360_accounts_query(),
                    f"{ACCOUNT_360} holds every account of stg_accounts (latest version, "
                    "not deleted) and no other",
                ),
                ERROR,
            ),
            Check(
                unexpected_rows(
                    account_360_mrr_query(),
                    f"mrr of each account of {ACCOUNT_360} is its fct_mrr mrr in the "
                    "as-of month (0 without a row), to within 0.005",
                ),
                ERROR,
            ),
            row_count_check(f"marts.{ACCOUNT_360}"),
        ),
        description=f"{ACCOUNT_360}: one row per current account, MRR as in fct_mrr.",
    )


def model_evaluation_query() -> str:
    return f"""
    with evaluations as (
        select as_of_month, test_rows, trained_at
        from {{batch}}
    ),
    latest as (
        select as_of_month, test_rows
        from evaluations
        order by trained_at desc
        limit 1
    ),
    scored as (
        select count(*) filter (where split = 'test') as test_rows
        from {CHURN_SCORES}
    ),
    spine as (
        select max(month) as as_of_month
        from {SPINE}
    )
    select
        latest.as_of_month,
        spine.as_of_month as spine_as_of_month,
        latest.test_rows,
        scored.test_rows as scored_test_rows
    from spine
    cross join scored
    left join latest
        on true
    where latest.as_of_month is distinct from spine.as_of_month
        or latest.test_rows is distinct from scored.test_rows
    """


def model_evaluation_suite() -> SuiteSpec:
    return SuiteSpec(
        name=f"marts.{MODEL_EVALUATION}",
        schema="marts",
        table=MODEL_EVALUATION,
        checks=(
            Check(
                unexpected_rows(
                    model_evaluation_query(),
                    f"the latest row of {MODEL_EVALUATION} is this build's: the as-of "
                    "month of int_metric_months_spined and the test rows of "
                    "ml.churn_risk_scored",
                ),
                ERROR,
            ),
            row_count_check(f"marts.{MODEL_EVALUATION}"),
        ),
        description=f"{MODEL_EVALUATION}: the churn model's evaluations, the latest of this build.",
    )


def product_margin_cells_query() -> str:
    return f"""
    with margin as (
        select month, family, costed_lines, revenue_usd
        from {{batch}}
    ),
    spine as (
        select month
        from {SPINE}
    ),
    costed as (
        select
            cast(date_trunc('month', lines.issued_date) as date) as month,
            coalesce(products.family, 'unknown') as family,
            lines.amount_usd
        from marts.fct_invoice_lines as lines
        inner join marts.dim_product as products
            on products.product_id = lines.product_id
        where lines.is_billable
            and lines.amount > 0
            and lines.quantity is not null
            and products.unit_cost is not null
            and exists (
                select 1
                from intermediate.int_fx_rates_ranged as fx
                where fx.currency = products.currency
                    and lines.issued_date >= fx.valid_from
                    and (fx.valid_to is null or lines.issued_date < fx.valid_to)
            )
    ),
    costed_summed as (
        select
            costed.month,
            costed.family,
            count(*) as costed_lines,
            sum(costed.amount_usd) as revenue_usd
        from costed
        inner join spine
            on spine.month = costed.month
        group by costed.month, costed.family
    )
    select
        coalesce(margin.month, costed_summed.month) as month,
        coalesce(margin.family, costed_summed.family) as family,
        margin.costed_lines,
        costed_summed.costed_lines as fact_costed_lines,
        margin.revenue_usd,
        costed_summed.revenue_usd as fact_revenue_usd
    from margin
    full outer join costed_summed
        on costed_summed.month = margin.month
        and costed_summed.family = margin.family
    where coalesce(margin.costed_lines, 0) <> coalesce(costed_summed.costed_lines, 0)
        or abs(coalesce(margin.revenue_usd, 0) - coalesce(costed_summed.revenue_usd, 0))
            > 0.000001 * greatest(1, abs(coalesce(costed_summed.revenue_usd, 0)))
    """


def product_margin_suite() -> SuiteSpec:
    return SuiteSpec(
        name=f"marts.{PRODUCT_MARGIN}",
        schema="marts",
        table=PRODUCT_MARGIN,
        checks=(
            Check(
                unexpected_rows(
                    product_margin_cells_query(),
                    f"costed_lines and revenue_usd of each month and family of {PRODUCT_MARGIN} "
                    "equal those of the costed lines of fct_invoice_lines (billable, amount "
                    "> 0, a quantity, a dim_product with a unit_cost and an FX rate of its "
                    "currency) issued in a month of int_metric_months_spined",
                ),
                ERROR,
            ),
            row_count_check(f"marts.{PRODUCT_MARGIN}"),
        ),
        description=f"{PRODUCT_MARGIN}: the costed invoice lines of the star schema, month "
        "by month and family by family.",
    )


def mart_suites() -> list[SuiteSpec]:
    facts = [mart_suite(entity(name)) for name in FACT_ENTITIES + UNEXCLUDED_FACT_ENTITIES]
    return [
        *facts,
        lead_funnel_suite(),
        product_margin_suite(),
        account_360_suite(),
        model_evaluation_suite(),
    ]
