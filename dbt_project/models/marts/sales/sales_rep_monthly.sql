{#
    Grain: one row per sales rep (dim_sales_rep) and month of the spine.
    bookings_tcv = TCV of the rep's quotes accepted in the month; quota
    attainment = bookings / target (null without a target); win rate among
    the rep's quotes decided in the month (null when none). Rep-months
    without a decided quote or a target have 0 bookings and no rates.
    forecast_commit = commit of the rep's forecast of record (null without
    one); forecast_accuracy = 1 - |bookings - commit| / bookings (null when
    bookings are 0 or there is no forecast).
    activities = the rep's activities with occurred_at in the month: 0 in a
    month without any once activities have landed, null while they never
    have (an optional entity, docs/metrics.md (Conventions)).
#}
with

reps as (
    select owner_rep_id from {{ ref('dim_sales_rep') }}
),

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

rep_forecasts as (
    select
        owner_rep_id,
        forecast_commit,
        forecast_accuracy,
        month
    from {{ ref('int_sales_rep_forecasts_monthly') }}
),

rep_months as (
    select * from {{ ref('int_sales_reps_aggregated_monthly') }}
),

rep_activities as (
    select * from {{ ref('int_sales_rep_activities_aggregated_monthly') }}
),

activities_landed as (
    select
        coalesce(
            max(case when entity = 'activities' and has_landed then 1 else 0 end), 0
        ) = 1 as has_activities
    from {{ ref('stg_optional_entities__landed') }}
),

reps_spined as (
    select
        reps.owner_rep_id,
        months.month
    from reps
    cross join months
),

final as (
    select
        reps_spined.owner_rep_id,
        coalesce(rep_months.bookings_tcv, 0) as bookings_tcv,
        rep_months.target_amount_usd,
        rep_months.quota_attainment,
        rep_forecasts.forecast_commit,
        rep_forecasts.forecast_accuracy,
        cast(coalesce(rep_months.quotes_won, 0) as {{ dbt.type_bigint() }}) as quotes_won,
        cast(
            coalesce(rep_months.quotes_decided, 0) as {{ dbt.type_bigint() }}
        ) as quotes_decided,
        rep_months.win_rate,
        cast(
            case
                when activities_landed.has_activities
                    then coalesce(rep_activities.activities, 0)
            end as {{ dbt.type_bigint() }}
        ) as activities,
        coalesce(rep_months.has_target, false) as has_target,
        rep_months.quota_attainment >= 1 as is_at_quota,
        reps_spined.month
    from reps_spined
    cross join activities_landed
    left join rep_months
        on
            reps_spined.owner_rep_id = rep_months.owner_rep_id
            and reps_spined.month = rep_months.month
    left join rep_forecasts
        on
            reps_spined.owner_rep_id = rep_forecasts.owner_rep_id
            and reps_spined.month = rep_forecasts.month
    left join rep_activities
        on
            reps_spined.owner_rep_id = rep_activities.owner_rep_id
            and reps_spined.month = rep_activities.month
)

select * from final
