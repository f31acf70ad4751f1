{#
    The reps' forecasts of record scored against their bookings
    (docs/metrics.md (Forecasts)): commit = commit_amount_usd of the rep's
    forecast of record for the month; forecast accuracy(rep, M) =
    1 - |bookings(rep, M) - commit| / bookings(rep, M), null when the rep's
    bookings are 0. Grain: rep x spine month, for the rep-months with a
    forecast of record (sales_rep_monthly spreads it over every rep and month;
    the team numbers sum these rows).
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

forecasts_of_record as (
    select
        owner_rep_id,
        cast(commit_amount_usd as {{ type_double() }}) as commit_amount_usd,
        cast(best_case_amount_usd as {{ type_double() }}) as best_case_amount_usd,
        forecast_month
    from {{ ref('int_forecast_submissions_ranked') }}
    where is_forecast_of_record
),

rep_bookings as (
    select
        owner_rep_id,
        bookings_tcv,
        month
    from {{ ref('int_sales_reps_aggregated_monthly') }}
),

forecasts_joined_to_bookings as (
    select
        forecasts_of_record.owner_rep_id,
        forecasts_of_record.commit_amount_usd as forecast_commit,
        forecasts_of_record.best_case_amount_usd as forecast_best_case,
        coalesce(rep_bookings.bookings_tcv, 0) as bookings_tcv,
        months.month
    from forecasts_of_record
    inner join months
        on forecasts_of_record.forecast_month = months.month
    left join rep_bookings
        on
            forecasts_of_record.owner_rep_id = rep_bookings.owner_rep_id
            and forecasts_of_record.forecast_month = rep_bookings.month
),

final as (
    select
        owner_rep_id,
        forecast_commit,
        forecast_best_case,
        bookings_tcv,
        1 - abs(bookings_tcv - forecast_commit)
        / nullif(bookings_tcv, 0) as forecast_accuracy,
        month
    from forecasts_joined_to_bookings
)

select * from final
