{#
    Grain: one row per forecast submission (owner_rep_id, forecast_month,
    submitted_at), with is_forecast_of_record: int_forecast_submissions_ranked,
    published with a contract. A table, not incremental: a new submission can
    take the forecast of record from an older row without a newer load time
    on it, and submissions are a few rows per rep and month.
#}
with

submissions as (
    select * from {{ ref('int_forecast_submissions_ranked') }}
),

final as (
    select * from submissions
)

select * from final  -- noqa: AM04
