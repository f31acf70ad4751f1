{#
    Grain: one row per month of the spine and source channel (the channels of
    the validated leads, whenever created; `unknown` for leads without one):
    the lead cohort of the month by channel (docs/metrics.md (Leads and
    activities)). Leads created, qualified and converted into a paying
    account; qualification rate = qualified / created, conversion rate =
    paying conversions / created. Empty cells count 0 and have no rates. No
    rows while leads have never landed (there is no channel to show).
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

channels as (
    select distinct coalesce(source_channel, 'unknown') as source_channel
    from {{ ref('int_leads_validated') }}
),

cohorts as (
    select * from {{ ref('int_lead_cohorts_aggregated_monthly') }}
),

final as (
    select
        channels.source_channel,
        cast(
            coalesce(cohorts.leads_created, 0) as {{ dbt.type_bigint() }}
        ) as leads_created,
        cast(
            coalesce(cohorts.leads_qualified, 0) as {{ dbt.type_bigint() }}
        ) as leads_qualified,
        cast(
            coalesce(cohorts.leads_converted_paying, 0) as {{ dbt.type_bigint() }}
        ) as leads_converted_paying,
        cohorts.lead_qualification_rate,
        cohorts.lead_conversion_rate,
        months.month
    from months
    cross join channels
    left join cohorts
        on
            months.month = cohorts.month
            and channels.source_channel = cohorts.source_channel
)

select * from final
