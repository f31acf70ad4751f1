{#
    Reps' forecast submissions (docs/metrics.md (Forecasts)), each marked
    whether it is the rep's forecast of record for its month: of the
    submissions for one owner_rep_id and forecast_month whose UTC
    submitted_date is on or before forecast_month (the first day of the
    month), the one with the greatest submitted_at. Resubmissions after the
    month has started are kept, never of record. Grain: one row per
    owner_rep_id, forecast_month and submitted_at (the staging key). The rows
    of fct_forecast_submissions, read by the forecast metrics too.
#}
with

submissions as (
    select
        owner_rep_id,
        commit_amount_usd,
        best_case_amount_usd,
        forecast_month,
        submitted_date,
        submitted_at
    from {{ ref('stg_forecast_submissions') }}
),

submissions_timed as (
    select
        owner_rep_id,
        commit_amount_usd,
        best_case_amount_usd,
        submitted_date <= forecast_month as is_submitted_by_month_start,
        forecast_month,
        submitted_date,
        submitted_at
    from submissions
),

submissions_ranked as (
    select
        owner_rep_id,
        commit_amount_usd,
        best_case_amount_usd,
        row_number() over (
            partition by owner_rep_id, forecast_month
            order by submitted_at
        ) as submission_number,
        is_submitted_by_month_start,
        max(
            case when is_submitted_by_month_start then submitted_at end
        ) over (
            partition by owner_rep_id, forecast_month
        ) as record_submitted_at,
        forecast_month,
        submitted_date,
        submitted_at
    from submissions_timed
),

final as (
    select
        {{ surrogate_key(['owner_rep_id', 'forecast_month', 'submitted_at']) }}
            as forecast_submission_id,
        owner_rep_id,
        commit_amount_usd,
        best_case_amount_usd,
        cast(submission_number as {{ dbt.type_bigint() }}) as submission_number,
        is_submitted_by_month_start,
        coalesce(submitted_at = record_submitted_at, false) as is_forecast_of_record,
        forecast_month,
        submitted_date,
        submitted_at
    from submissions_ranked
)

select * from final
