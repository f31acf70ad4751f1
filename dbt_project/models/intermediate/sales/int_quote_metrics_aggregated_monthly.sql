{#
    Bookings and funnel numbers per spine month (docs/metrics.md (Bookings and
    the sales funnel)): bookings TCV / ACV (also by quote_type), win rate,
    sales cycle, funnel conversion by created month, pipeline coverage, team
    quota attainment, sales velocity (trailing M-2..M), renewals and backlog.
    A rate with a zero or null denominator is null.
#}
with

months as (
    select
        month,
        month_end,
        month_2_ago
    from {{ ref('int_metric_months_spined') }}
),

quotes as (
    select
        quote_id,
        account_id,
        quote_type,
        quote_status,
        cast(tcv_usd as {{ type_double() }}) as tcv_usd,
        cast(acv_usd as {{ type_double() }}) as acv_usd,
        quote_status = 'accepted' as is_accepted,
        quote_status in ('accepted', 'rejected', 'expired') as is_decided,
        sent_date is not null as is_sent,
        {{ dbt.datediff('created_date', 'decided_date', 'day') }} as cycle_days,
        contract_start_date,
        contract_end_date,
        created_date,
        decided_date
    from {{ ref('int_quotes_valued') }}
),

invoice_lines as (
    select
        quote_id,
        cast(amount_usd as {{ type_double() }}) as amount_usd,
        issued_date
    from {{ ref('int_invoice_lines_validated') }}
    where
        is_billable
        and quote_id is not null
),

pipeline as (
    select * from {{ ref('int_open_pipeline_monthly') }}
),

reps as (
    select
        month,
        target_amount_usd,
        quota_attainment,
        has_target
    from {{ ref('int_sales_reps_aggregated_monthly') }}
),

decisions_summed as (
    select
        months.month,
        {{ exact_sum(
            "case when quotes.is_accepted then quotes.tcv_usd else 0 end"
        ) }} as bookings_tcv,
        {{ exact_sum(
            "case when quotes.is_accepted then quotes.acv_usd else 0 end"
        ) }} as bookings_acv,
        {%- for quote_type in ['new', 'renewal', 'expansion'] %}
            {{ exact_sum(
                "case
                     when quotes.is_accepted and quotes.quote_type = '"
                ~ quote_type ~ "' then quotes.tcv_usd
                     else 0
                 end"
            ) }} as bookings_tcv_{{ quote_type }},
        {%- endfor %}
        sum(case when quotes.is_accepted then 1 else 0 end) as quotes_won,
        count(*) as quotes_decided,
        avg(
            case
                when quotes.is_accepted
                    then cast(quotes.cycle_days as {{ type_double() }})
            end
        ) as avg_sales_cycle_days
    from months
    inner join quotes
        on
            quotes.decided_date between months.month and months.month_end
            and quotes.is_decided
    group by months.month
),

trailing_decisions as (
    {#- quotes decided in M-2..M #}
    select
        months.month,
        sum(case when quotes.is_accepted then 1 else 0 end) as quotes_won,
        count(*) as quotes_decided,
        {{ exact_avg(
            "case when quotes.is_accepted then quotes.tcv_usd end"
        ) }} as mean_won_tcv,
        avg(
            case
                when quotes.is_accepted
                    then cast(quotes.cycle_days as {{ type_double() }})
            end
        ) as mean_cycle_days
    from months
    inner join quotes
        on
            quotes.decided_date >= months.month_2_ago
            and quotes.decided_date <= months.month_end
            and quotes.is_decided
    group by months.month
),

created_summed as (
    select
        months.month,
        count(*) as quotes_created,
        sum(case when quotes.is_sent then 1 else 0 end) as quotes_sent,
        sum(case when quotes.is_accepted then 1 else 0 end) as quotes_accepted
    from months
    inner join quotes
        on quotes.created_date between months.month and months.month_end
    group by months.month
),

contracts as (
    select
        quote_id,
        account_id,
        contract_start_date,
        contract_end_date
    from quotes
    where
        is_accepted
        and contract_end_date is not null
),

contracts_renewed as (
    select
        contracts.quote_id,
        contracts.contract_end_date,
        max(case when renewals.quote_id is not null then 1 else 0 end) = 1 as is_renewed
    from contracts
    left join quotes as renewals
        on
            renewals.account_id = contracts.account_id
            and renewals.quote_id <> contracts.quote_id
            and renewals.is_accepted
            and renewals.quote_type = 'renewal'
            and renewals.contract_start_date
            >= cast({{ dbt.dateadd('day', -30, 'contracts.contract_end_date') }} as date)
            and renewals.contract_start_date
            <= cast({{ dbt.dateadd('day', 30, 'contracts.contract_end_date') }} as date)
    group by
        contracts.quote_id,
        contracts.contract_end_date
),

renewals_summed as (
    select
        months.month,
        count(*) as renewals_due,
        sum(case when contracts_renewed.is_renewed then 1 else 0 end) as renewals_won
    from months
    inner join contracts_renewed
        on contracts_renewed.contract_end_date between months.month and months.month_end
    group by months.month
),

quotes_billed as (
    {#- accepted quote x month end: TCV and what billable lines billed by then #}
    select
        months.month,
        quotes.quote_id,
        quotes.tcv_usd,
        coalesce(sum(invoice_lines.amount_usd), 0) as billed_usd
    from months
    inner join quotes
        on
            quotes.is_accepted
            and quotes.decided_date <= months.month_end
    left join invoice_lines
        on
            invoice_lines.quote_id = quotes.quote_id
            and invoice_lines.issued_date <= months.month_end
    group by
        months.month,
        quotes.quote_id,
        quotes.tcv_usd
),

backlog_summed as (
    select
        month,
        {{ exact_sum(
            "case when tcv_usd > billed_usd then tcv_usd - billed_usd else 0 end"
        ) }} as backlog
    from quotes_billed
    group by month
),

targets_summed as (
    select
        month,
        {{ exact_sum("target_amount_usd") }} as target_amount_usd,
        sum(case when has_target then 1 else 0 end) as reps_with_target,
        sum(case when has_target and quota_attainment >= 1 then 1 else 0 end)
            as reps_at_quota
    from reps
    group by month
),

final as (
    select
        months.month,
        coalesce(decisions_summed.bookings_tcv, 0) as bookings_tcv,
        coalesce(decisions_summed.bookings_acv, 0) as bookings_acv,
        coalesce(decisions_summed.bookings_tcv_new, 0) as bookings_tcv_new,
        coalesce(decisions_summed.bookings_tcv_renewal, 0) as bookings_tcv_renewal,
        coalesce(decisions_summed.bookings_tcv_expansion, 0) as bookings_tcv_expansion,
        coalesce(decisions_summed.quotes_won, 0) as quotes_won,
        coalesce(decisions_summed.quotes_decided, 0) as quotes_decided,
        cast(decisions_summed.quotes_won as {{ type_double() }})
        / nullif(decisions_summed.quotes_decided, 0) as win_rate,
        decisions_summed.avg_sales_cycle_days,
        pipeline.open_pipeline_count,
        pipeline.open_pipeline_value,
        pipeline.prev_open_pipeline_count,
        pipeline.prev_open_pipeline_value,
        targets_summed.target_amount_usd,
        pipeline.prev_open_pipeline_value
        / nullif(targets_summed.target_amount_usd, 0) as pipeline_coverage,
        cast(targets_summed.reps_at_quota as {{ type_double() }})
        / nullif(targets_summed.reps_with_target, 0) as team_quota_attainment_rate,
        pipeline.prev_open_pipeline_count
        * trailing_decisions.mean_won_tcv
        * (
            cast(trailing_decisions.quotes_won as {{ type_double() }})
            / nullif(trailing_decisions.quotes_decided, 0)
        )
        / nullif(trailing_decisions.mean_cycle_days, 0) as sales_velocity,
        coalesce(created_summed.quotes_created, 0) as quotes_created,
        coalesce(created_summed.quotes_sent, 0) as quotes_sent,
        cast(created_summed.quotes_sent as {{ type_double() }})
        / nullif(created_summed.quotes_created, 0) as quote_sent_rate,
        cast(created_summed.quotes_accepted as {{ type_double() }})
        / nullif(created_summed.quotes_sent, 0) as quote_acceptance_rate,
        coalesce(renewals_summed.renewals_due, 0) as renewals_due,
        coalesce(renewals_summed.renewals_won, 0) as renewals_won,
        cast(renewals_summed.renewals_won as {{ type_double() }})
        / nullif(renewals_summed.renewals_due, 0) as renewal_rate,
        coalesce(backlog_summed.backlog, 0) as backlog
    from months
    left join decisions_summed
        on months.month = decisions_summed.month
    left join trailing_decisions
        on months.month = trailing_decisions.month
    left join created_summed
        on months.month = created_summed.month
    left join renewals_summed
        on months.month = renewals_summed.month
    left join backlog_summed
        on months.month = backlog_summed.month
    left join targets_summed
        on months.month = targets_summed.month
    left join pipeline
        on months.month = pipeline.month
)

select * from final
