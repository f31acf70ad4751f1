{#
    The lead and activity numbers of metrics_monthly per spine month
    (docs/metrics.md (Leads and activities)): leads created, qualified and
    converted into a paying account, summed over the channels of
    int_lead_cohorts_aggregated_monthly, and their rates (null when no lead
    was created); lead conversion days, the mean days from created_at to
    converted_at of the converted leads with converted_at in the month (null
    when none); activities per won deal, the activities whose quote was
    accepted in the month / the quotes accepted in the month (null when none).
    Optional entities (docs/metrics.md (Conventions)): while leads
    (activities) have never landed, every lead (activity) number is null;
    once landed, a month without rows counts 0. Grain: month.
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

entities_landed as (
    {{ optional_entities_landed(['leads', 'activities']) }}
),

cohorts as (
    select
        month,
        leads_created,
        leads_qualified,
        leads_converted_paying
    from {{ ref('int_lead_cohorts_aggregated_monthly') }}
),

leads_converted as (
    select
        days_to_convert,
        converted_month
    from {{ ref('int_leads_validated') }}
    where is_converted
),

quotes_won as (
    select
        quote_id,
        cast({{ dbt.date_trunc('month', 'decided_date') }} as date) as decided_month
    from {{ ref('int_quotes_valued') }}
    where quote_status = 'accepted'
),

activities_on_quotes as (
    select quote_id
    from {{ ref('int_activities_validated') }}
    where quote_id is not null
),

cohorts_summed as (
    select
        month,
        sum(leads_created) as leads_created,
        sum(leads_qualified) as leads_qualified,
        sum(leads_converted_paying) as leads_converted_paying
    from cohorts
    group by month
),

conversions_averaged as (
    select
        converted_month,
        count(*) as leads_converted,
        avg(cast(days_to_convert as {{ type_double() }})) as avg_lead_conversion_days
    from leads_converted
    group by converted_month
),

quotes_won_counted as (
    select
        decided_month,
        count(*) as quotes_won
    from quotes_won
    group by decided_month
),

activities_on_won_quotes_counted as (
    select
        quotes_won.decided_month,
        count(*) as activities_on_won_deals
    from activities_on_quotes
    inner join quotes_won
        on activities_on_quotes.quote_id = quotes_won.quote_id
    group by quotes_won.decided_month
),

months_counted as (
    select
        months.month,
        case
            when entities_landed.has_leads
                then coalesce(cohorts_summed.leads_created, 0)
        end as leads_created,
        case
            when entities_landed.has_leads
                then coalesce(cohorts_summed.leads_qualified, 0)
        end as leads_qualified,
        case
            when entities_landed.has_leads
                then coalesce(cohorts_summed.leads_converted_paying, 0)
        end as leads_converted_paying,
        case
            when entities_landed.has_leads
                then coalesce(conversions_averaged.leads_converted, 0)
        end as leads_converted,
        case
            when entities_landed.has_leads
                then conversions_averaged.avg_lead_conversion_days
        end as avg_lead_conversion_days,
        case
            when entities_landed.has_activities
                then coalesce(activities_on_won_quotes_counted.activities_on_won_deals, 0)
        end as activities_on_won_deals,
        coalesce(quotes_won_counted.quotes_won, 0) as quotes_won
    from months
    cross join entities_landed
    left join cohorts_summed
        on months.month = cohorts_summed.month
    left join conversions_averaged
        on months.month = conversions_averaged.converted_month
    left join quotes_won_counted
        on months.month = quotes_won_counted.decided_month
    left join activities_on_won_quotes_counted
        on months.month = activities_on_won_quotes_counted.decided_month
),

final as (
    select
        month,
        leads_created,
        leads_qualified,
        leads_converted_paying,
        cast(leads_qualified as {{ type_double() }})
        / nullif(leads_created, 0) as lead_qualification_rate,
        cast(leads_converted_paying as {{ type_double() }})
        / nullif(leads_created, 0) as lead_conversion_rate,
        leads_converted,
        avg_lead_conversion_days,
        activities_on_won_deals,
        cast(activities_on_won_deals as {{ type_double() }})
        / nullif(quotes_won, 0) as activities_per_won_deal
    from months_counted
)

select * from final
