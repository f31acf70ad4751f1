{#
    Invariant: for each rep and forecast_month, the submission of record is
    the one with the greatest submitted_at among those whose submitted_date
    is on or before forecast_month, and there is exactly one when such a
    submission exists, none otherwise (docs/metrics.md (Forecasts)).
    Recomputed from the dates, not from is_submitted_by_month_start.
#}
{{
    config(
        severity='error',
        meta={'dagster': {'ref': {'name': 'fct_forecast_submissions'}}},
    )
}}

with

submissions as (
    select
        owner_rep_id,
        is_forecast_of_record,
        forecast_month,
        submitted_date,
        submitted_at
    from {{ ref('fct_forecast_submissions') }}
),

rep_months as (
    select
        owner_rep_id,
        forecast_month,
        max(
            case when submitted_date <= forecast_month then submitted_at end
        ) as latest_on_time_at,
        sum(case when is_forecast_of_record then 1 else 0 end) as records,
        max(case when is_forecast_of_record then submitted_at end) as record_at
    from submissions
    group by
        owner_rep_id,
        forecast_month
)

select *
from rep_months
where
    records <> case when latest_on_time_at is null then 0 else 1 end
    or record_at <> latest_on_time_at
