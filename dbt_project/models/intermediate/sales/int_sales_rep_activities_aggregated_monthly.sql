{#
    Activities per rep and spine month (docs/metrics.md (Leads and
    activities)): the rep's validated activities with occurred_at in the
    month (UTC). Grain: rep x spine month, for the rep-months with an
    activity; sales_rep_monthly spreads it over every rep and month (0 once
    activities have landed, null while they never have).
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

activities as (
    select
        owner_rep_id,
        occurred_month
    from {{ ref('int_activities_validated') }}
),

final as (
    select
        activities.owner_rep_id,
        count(*) as activities,
        months.month
    from months
    inner join activities
        on months.month = activities.occurred_month
    group by
        activities.owner_rep_id,
        months.month
)

select * from final
