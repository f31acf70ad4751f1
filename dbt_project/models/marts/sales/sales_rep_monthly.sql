{#
    Grain: one row per sales rep (dim_sales_rep) and month of the spine.
    bookings_tcv = TCV of the rep's quotes accepted in the month; quota
    attainment = bookings / target (null without a target); win rate among
    the rep's quotes decided in the month (null when none).
#}
with

reps as (
    select * from {{ ref('int_sales_reps_aggregated_monthly') }}
),

final as (
    select
        owner_rep_id,
        bookings_tcv,
        target_amount_usd,
        quota_attainment,
        cast(quotes_won as {{ dbt.type_bigint() }}) as quotes_won,
        cast(quotes_decided as {{ dbt.type_bigint() }}) as quotes_decided,
        win_rate,
        has_target,
        quota_attainment >= 1 as is_at_quota,
        month
    from reps
)

select * from final
