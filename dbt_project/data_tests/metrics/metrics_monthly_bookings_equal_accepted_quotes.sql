{#
    Invariant: bookings_tcv of a month equals the sum of tcv_usd of the fact
    quotes accepted (decided_date) in that month, to within 0.005
    (docs/metrics.md (Bookings and the sales funnel)). Months of
    metrics_monthly only: quotes decided after the as-of month are not yet
    bookings.
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
        bookings_tcv
    from {{ ref('metrics_monthly') }}
),

quotes_accepted as (
    select
        cast({{ dbt.date_trunc('month', 'decided_date') }} as date) as decided_month,
        cast(tcv_usd as {{ type_double() }}) as tcv_usd
    from {{ ref('fct_quotes') }}
    where quote_status = 'accepted'
),

bookings as (
    select
        decided_month,
        sum(tcv_usd) as accepted_tcv_usd
    from quotes_accepted
    group by decided_month
)

select
    months.month,
    months.bookings_tcv,
    bookings.accepted_tcv_usd
from months
left join bookings
    on months.month = bookings.decided_month
where abs(
    coalesce(months.bookings_tcv, 0) - coalesce(bookings.accepted_tcv_usd, 0)
) >= 0.005
