{#
    Grain: one row per month and aging bucket (current, 1_30, 31_60, 61_90,
    over_90), every bucket every month (0 when empty). amount = sum of the
    positive open balances at month_end (AR aging, docs/metrics.md
    (Receivables)); the buckets of a month add up to its accounts_receivable.
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

balances as (
    select
        month,
        bucket,
        open_balance_usd
    from {{ ref('int_invoice_balances_monthly') }}
),

buckets as (
    select
        'current' as bucket,
        1 as bucket_order
    union all
    select
        '1_30' as bucket,
        2 as bucket_order
    union all
    select
        '31_60' as bucket,
        3 as bucket_order
    union all
    select
        '61_90' as bucket,
        4 as bucket_order
    union all
    select
        'over_90' as bucket,
        5 as bucket_order
),

balances_summed as (
    select
        month,
        bucket,
        count(*) as invoice_count,
        cast(sum(open_balance_usd) as {{ type_double() }}) as amount
    from balances
    group by
        month,
        bucket
),

final as (
    select
        buckets.bucket,
        buckets.bucket_order,
        months.month,
        coalesce(balances_summed.amount, 0) as amount,
        coalesce(balances_summed.invoice_count, 0) as invoice_count
    from months
    cross join buckets
    left join balances_summed
        on
            months.month = balances_summed.month
            and buckets.bucket = balances_summed.bucket
)

select * from final
