{#
    Invariant: the sum of an account's movement amounts over the range
    equals its MRR in the last month (the as-of month). Each unchanged step
    may hide a difference below 0.005 (the equality of MRR values), so the
    tolerance is 0.005 per month of the account.
#}
{{ config(severity='error', tags=['metrics', 'invariant']) }}

with

account_months as (
    select
        account_id,
        mrr,
        movement_amount,
        month,
        row_number() over (partition by account_id order by month desc) as months_back
    from {{ ref('fct_mrr') }}
),

accounts_summed as (
    select
        account_id,
        sum(movement_amount) as movements_sum,
        max(case when months_back = 1 then mrr end) as last_mrr,
        count(*) as month_count
    from account_months
    group by account_id
)

select *
from accounts_summed
where abs(movements_sum - last_mrr) >= 0.005 * month_count
