{#
    Grain of fct_mrr: one row per account and month, every month from the
    account's first month with MRR > 0 (where its movement is `new`) through
    the as-of month.
#}
{{ config(severity='error', tags=['metrics']) }}

with

accounts_summed as (
    select
        account_id,
        count(*) as row_count,
        count(distinct month) as month_count,
        min(month) as first_month,
        max(month) as last_month,
        min(cohort_month) as cohort_month
    from {{ ref('fct_mrr') }}
    group by account_id
),

as_of as (
    select max(month) as as_of_month from {{ ref('metrics_monthly') }}
)

select accounts_summed.*
from accounts_summed
cross join as_of
where
    accounts_summed.row_count <> accounts_summed.month_count
    or accounts_summed.first_month <> accounts_summed.cohort_month
    or accounts_summed.last_month <> as_of.as_of_month
    or accounts_summed.month_count <> {{ dbt.datediff(
        'accounts_summed.first_month', 'accounts_summed.last_month', 'month'
    ) }} + 1
