{#
    Sales productivity per rep and spine month (docs/metrics.md (Bookings and
    the sales funnel)): bookings (TCV of quotes accepted in the month) by
    owner_rep_id, the rep's target, quota attainment = bookings / target (null
    without a target or with a target of 0) and the rep's win rate among
    quotes decided in the month. Grain: rep x spine month, for the rep-months
    with a decided quote or a target; sales_rep_monthly spreads it over every
    rep of dim_sales_rep and every month.
#}
with

months as (
    select
        month,
        month_end
    from {{ ref('int_metric_months_spined') }}
),

quotes as (
    select
        owner_rep_id,
        quote_status,
        cast(tcv_usd as {{ type_double() }}) as tcv_usd,
        decided_date
    from {{ ref('int_quotes_valued') }}
    where
        quote_status in ('accepted', 'rejected', 'expired')
        and owner_rep_id is not null
),

targets as (
    select
        owner_rep_id,
        month,
        cast(target_amount_usd as {{ type_double() }}) as target_amount_usd
    from {{ ref('stg_sales_targets') }}
),

decisions_summed as (
    select
        quotes.owner_rep_id,
        months.month,
        {{ exact_sum(
            "case when quotes.quote_status = 'accepted' then quotes.tcv_usd else 0 end"
        ) }}
            as bookings_tcv,
        sum(case when quotes.quote_status = 'accepted' then 1 else 0 end)
            as quotes_won,
        count(*) as quotes_decided
    from quotes
    inner join months
        on quotes.decided_date between months.month and months.month_end
    group by
        quotes.owner_rep_id,
        months.month
),

targets_in_spine as (
    select
        targets.owner_rep_id,
        targets.month,
        targets.target_amount_usd
    from targets
    inner join months
        on targets.month = months.month
),

final as (
    select
        coalesce(decisions_summed.owner_rep_id, targets_in_spine.owner_rep_id)
            as owner_rep_id,
        coalesce(decisions_summed.bookings_tcv, 0) as bookings_tcv,
        targets_in_spine.target_amount_usd,
        coalesce(decisions_summed.bookings_tcv, 0)
        / nullif(targets_in_spine.target_amount_usd, 0) as quota_attainment,
        coalesce(decisions_summed.quotes_won, 0) as quotes_won,
        coalesce(decisions_summed.quotes_decided, 0) as quotes_decided,
        cast(decisions_summed.quotes_won as {{ type_double() }})
        / nullif(decisions_summed.quotes_decided, 0) as win_rate,
        targets_in_spine.owner_rep_id is not null as has_target,
        coalesce(decisions_summed.month, targets_in_spine.month) as month  -- noqa: RF04
    from decisions_summed
    full outer join targets_in_spine
        on
            decisions_summed.owner_rep_id = targets_in_spine.owner_rep_id
            and decisions_summed.month = targets_in_spine.month
)

select * from final
