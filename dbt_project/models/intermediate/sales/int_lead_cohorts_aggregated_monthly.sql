{#
    Lead cohorts per spine month and source channel (docs/metrics.md (Leads and
    activities)): the validated leads created in the month (UTC), those
    qualified (qualified_at set or converted) and the paying conversions:
    converted leads whose converted_account_id has MRR > 0 in some month of
    the spine, which runs through the as-of month (int_account_mrr_spined).
    Rates: qualified / created and paying conversions / created. A null
    channel is `unknown`. Grain: month x source_channel, for the cells with a
    lead created in them; lead_funnel_monthly spreads it over every channel
    and month, int_lead_activity_metrics_aggregated_monthly sums it over the
    channels. Leads created outside the spine (after the as-of month) are in
    no cohort.
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

leads as (
    select
        lead_id,
        coalesce(source_channel, 'unknown') as source_channel,
        converted_account_id,
        is_qualified,
        is_converted,
        created_month
    from {{ ref('int_leads_validated') }}
),

paying_accounts as (
    select distinct account_id
    from {{ ref('int_account_mrr_spined') }}
    where mrr > 0
),

leads_joined_to_paying_accounts as (
    select
        leads.lead_id,
        leads.source_channel,
        leads.is_qualified,
        leads.is_converted and paying_accounts.account_id is not null
            as is_paying_conversion,
        leads.created_month
    from leads
    left join paying_accounts
        on leads.converted_account_id = paying_accounts.account_id
),

cohorts_counted as (
    select
        months.month,
        leads.source_channel,
        count(*) as leads_created,
        sum(case when leads.is_qualified then 1 else 0 end) as leads_qualified,
        sum(
            case when leads.is_paying_conversion then 1 else 0 end
        ) as leads_converted_paying
    from months
    inner join leads_joined_to_paying_accounts as leads
        on months.month = leads.created_month
    group by
        months.month,
        leads.source_channel
),

final as (
    select
        source_channel,
        leads_created,
        leads_qualified,
        leads_converted_paying,
        cast(leads_qualified as {{ type_double() }})
        / nullif(leads_created, 0) as lead_qualification_rate,
        cast(leads_converted_paying as {{ type_double() }})
        / nullif(leads_created, 0) as lead_conversion_rate,
        month
    from cohorts_counted
)

select * from final
