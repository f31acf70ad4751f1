{#
    Grain: one row per cohort month and months since start (0 .. through the
    as-of month). Cohort = month of an account's first MRR > 0. A cohort
    account is retained in a month when its MRR > 0 there (a reactivated
    account counts again); mrr_retained is the cohort's whole MRR of that
    month (expansion included, so the MRR share can exceed 1).
#}
with

account_months as (
    select
        account_id,
        mrr,
        month,
        cohort_month
    from {{ ref('fct_mrr') }}
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_size,
        {{ exact_sum("mrr") }} as starting_mrr
    from account_months
    where month = cohort_month
    group by cohort_month
),

cohort_months_summed as (
    select
        cohort_month,
        month,
        cast(
            {{ dbt.datediff('cohort_month', 'month', 'month') }}
            as {{ dbt.type_bigint() }}
        ) as months_since_start,
        sum(case when mrr > 0 then 1 else 0 end) as logos_retained,
        {{ exact_sum("mrr") }} as mrr_retained
    from account_months
    group by
        cohort_month,
        month
),

final as (
    select
        cohort_months_summed.months_since_start,
        cohorts.cohort_size,
        cast(cohort_months_summed.logos_retained as {{ dbt.type_bigint() }})
            as logos_retained,
        cohorts.starting_mrr,
        cohort_months_summed.mrr_retained,
        cast(cohort_months_summed.logos_retained as {{ type_double() }})
        / nullif(cohorts.cohort_size, 0) as logo_retention_share,
        cohort_months_summed.mrr_retained
        / nullif(cohorts.starting_mrr, 0) as mrr_retention_share,
        cohort_months_summed.cohort_month,
        cohort_months_summed.month
    from cohort_months_summed
    inner join cohorts
        on cohort_months_summed.cohort_month = cohorts.cohort_month
)

select * from final
