{#
    MRR per account and month (docs/metrics.md (Billing: MRR and its
    movements)): the sum of the monthly values of the account's recurring
    lines with period_start <= month_end < period_end, one row per account and
    month from the account's first month with MRR > 0 through the as-of month
    (also months with MRR 0). Two MRR values closer than 0.005 are equal, so a
    sum below 0.005 (also a negative one, from credits) is MRR 0. prev_mrr is
    MRR(M-1), 0 at the first month; had_earlier_mrr tells whether an earlier
    month had MRR > 0.
#}
with

months as (
    select
        month,
        month_end
    from {{ ref('int_metric_months_spined') }}
),

recurring_lines as (
    select
        account_id,
        monthly_value_usd,
        period_start,
        period_end
    from {{ ref('int_recurring_lines_valued') }}
),

lines_joined_to_months as (
    select
        recurring_lines.account_id,
        months.month,
        {{ exact_sum("recurring_lines.monthly_value_usd") }} as mrr_sum
    from recurring_lines
    inner join months
        on
            recurring_lines.period_start <= months.month_end
            and months.month_end < recurring_lines.period_end
    group by
        recurring_lines.account_id,
        months.month
),

mrr_snapped as (
    select
        account_id,
        month,
        case when mrr_sum < 0.005 then 0 else mrr_sum end as mrr
    from lines_joined_to_months
),

first_months as (
    select
        account_id,
        min(month) as first_month
    from mrr_snapped
    where mrr > 0
    group by account_id
),

accounts_spined as (
    select
        first_months.account_id,
        months.month,
        first_months.first_month
    from first_months
    inner join months
        on months.month >= first_months.first_month
),

mrr_joined as (
    select
        accounts_spined.account_id,
        accounts_spined.month,
        accounts_spined.first_month,
        cast(coalesce(mrr_snapped.mrr, 0) as {{ type_double() }}) as mrr
    from accounts_spined
    left join mrr_snapped
        on
            accounts_spined.account_id = mrr_snapped.account_id
            and accounts_spined.month = mrr_snapped.month
),

final as (
    select
        account_id,
        month,
        first_month,
        mrr,
        coalesce(
            lag(mrr) over (partition by account_id order by month),
            0
        ) as prev_mrr,
        coalesce(
            max(case when mrr > 0 then 1 else 0 end) over (
                partition by account_id
                order by month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as had_earlier_mrr
    from mrr_joined
)

select * from final
