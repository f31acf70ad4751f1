{#
    Invariant: forecast_commit of a month is the sum of commit_amount_usd of
    the fact submissions of record for that month to within 0.005, and null
    exactly when there is none (docs/metrics.md (Forecasts): null, not 0).
#}
{{
    config(
        severity='error',
        tags=['metrics', 'invariant'],
        meta={'dagster': {'ref': {'name': 'metrics_monthly'}}},
    )
}}

with

months as (
    select
        month,
        forecast_commit
    from {{ ref('metrics_monthly') }}
),

forecasts_of_record as (
    select
        forecast_month,
        cast(commit_amount_usd as {{ type_double() }}) as commit_amount_usd
    from {{ ref('fct_forecast_submissions') }}
    where is_forecast_of_record
),

commits as (
    select
        forecast_month,
        sum(commit_amount_usd) as commit_amount_usd
    from forecasts_of_record
    group by forecast_month
)

select
    months.month,
    months.forecast_commit,
    commits.commit_amount_usd
from months
left join commits
    on months.month = commits.forecast_month
where
    (months.forecast_commit is null) <> (commits.commit_amount_usd is null)
    or abs(months.forecast_commit - commits.commit_amount_usd) >= 0.005
