{#
    Invariant: arr = 12 x mrr, per account and month (fct_mrr) and per month
    (metrics_monthly), and metrics_monthly.mrr is the sum of fct_mrr.mrr. One
    tolerance, the equality of MRR values (docs/metrics.md (Conventions)):
    values closer than 0.005 are equal. Sums of doubles taken in another
    order differ in the last digits (about 0.00001 at a million accounts).
#}
{{
    config(
        severity='error',
        tags=['metrics', 'invariant'],
        meta={'dagster': {'ref': {'name': 'fct_mrr'}}},
    )
}}

with

account_months as (
    select
        'fct_mrr' as model_name,
        month,
        mrr,
        arr
    from {{ ref('fct_mrr') }}
),

months as (
    select
        'metrics_monthly' as model_name,
        month,
        mrr,
        arr
    from {{ ref('metrics_monthly') }}
),

mrr_summed as (
    select
        month,
        sum(mrr) as mrr
    from {{ ref('fct_mrr') }}
    group by month
),

arr_violations as (
    select
        model_name,
        month,
        mrr,
        arr
    from account_months
    where abs(arr - 12 * mrr) >= 0.005
    union all
    select
        model_name,
        month,
        mrr,
        arr
    from months
    where abs(arr - 12 * mrr) >= 0.005
),

sum_violations as (
    select
        'metrics_monthly vs fct_mrr' as model_name,
        months.month,
        months.mrr,
        mrr_summed.mrr as arr
    from months
    left join mrr_summed
        on months.month = mrr_summed.month
    where abs(months.mrr - coalesce(mrr_summed.mrr, 0)) >= 0.005
)

select * from arr_violations
union all
select * from sum_violations
