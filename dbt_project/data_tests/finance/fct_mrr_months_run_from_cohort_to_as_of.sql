{#
    Grain of fct_mrr, with the unique (account_id, month) test of its YAML:
    every month from the account's first month with MRR > 0 (its
    cohort_month, where its movement is `new`) through the as-of month has a
    row.
#}
{{
    config(
        severity='error',
        tags=['metrics'],
        meta={'dagster': {'ref': {'name': 'fct_mrr'}}},
    )
}}

with

accounts_summed as (
    select
        account_id,
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
    accounts_summed.first_month <> accounts_summed.cohort_month
    or accounts_summed.last_month <> as_of.as_of_month
    or accounts_summed.month_count <> {{ dbt.datediff(
        'accounts_summed.first_month', 'accounts_summed.last_month', 'month'
    ) }} + 1
