{#
    The aging buckets of a month add up to that month's accounts receivable,
    and every spine month has its five buckets. To the half cent: sums of
    doubles taken in another order differ in the last digits.
#}
{{
    config(
        severity='error',
        tags=['metrics'],
        meta={'dagster': {'ref': {'name': 'ar_aging_monthly'}}},
    )
}}

with

buckets_summed as (
    select
        month,
        count(*) as bucket_count,
        sum(amount) as amount
    from {{ ref('ar_aging_monthly') }}
    group by month
),

months as (
    select
        month,
        accounts_receivable
    from {{ ref('metrics_monthly') }}
)

select
    months.month,
    months.accounts_receivable,
    buckets_summed.amount,
    buckets_summed.bucket_count
from months
left join buckets_summed
    on months.month = buckets_summed.month
where
    buckets_summed.bucket_count is null
    or buckets_summed.bucket_count <> 5
    or abs(months.accounts_receivable - buckets_summed.amount) > 0.005
