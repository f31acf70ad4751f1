{#
    Invariant: in every month, the leads created, qualified and converted
    paying of lead_funnel_monthly, summed over its channels, equal those of
    metrics_monthly (docs/metrics.md (Leads and activities): the same cohorts,
    also by source_channel). A month of metrics_monthly with null lead
    numbers (leads never landed) has no funnel rows.
#}
{{
    config(
        severity='error',
        tags=['metrics', 'invariant'],
        meta={'dagster': {'ref': {'name': 'lead_funnel_monthly'}}},
    )
}}

with

months as (
    select
        month,
        leads_created,
        leads_qualified,
        leads_converted_paying
    from {{ ref('metrics_monthly') }}
),

funnel as (
    select
        month,
        sum(leads_created) as leads_created,
        sum(leads_qualified) as leads_qualified,
        sum(leads_converted_paying) as leads_converted_paying
    from {{ ref('lead_funnel_monthly') }}
    group by month
)

select
    months.month,
    months.leads_created,
    funnel.leads_created as funnel_leads_created,
    months.leads_qualified,
    funnel.leads_qualified as funnel_leads_qualified,
    months.leads_converted_paying,
    funnel.leads_converted_paying as funnel_leads_converted_paying
from months
full outer join funnel
    on months.month = funnel.month
where
    coalesce(months.leads_created, 0) <> coalesce(funnel.leads_created, 0)
    or coalesce(months.leads_qualified, 0) <> coalesce(funnel.leads_qualified, 0)
    or coalesce(months.leads_converted_paying, 0)
    <> coalesce(funnel.leads_converted_paying, 0)
