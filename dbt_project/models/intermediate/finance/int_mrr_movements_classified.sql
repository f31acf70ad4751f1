{#
    MRR movement of each account and month (the table of docs/metrics.md
    (Billing: MRR and its movements)), comparing cur = mrr with prev =
    prev_mrr (both already 0 below 0.005). Two values closer than 0.005 are
    equal: |cur - prev| < 0.005 is `unchanged` with amount 0, so MRR(M) =
    MRR(M-1) + movement amount holds to within 0.005.
#}
with

account_mrr as (
    select
        account_id,
        month,
        first_month,
        mrr,
        prev_mrr,
        had_earlier_mrr
    from {{ ref('int_account_mrr_spined') }}
),

classified as (
    select
        account_id,
        month,
        first_month,
        mrr,
        prev_mrr,
        case
            when prev_mrr = 0 and mrr > 0 and not had_earlier_mrr then 'new'
            when prev_mrr = 0 and mrr > 0 then 'reactivation'
            when prev_mrr > 0 and mrr = 0 then 'churn'
            when prev_mrr > 0 and abs(mrr - prev_mrr) < 0.005 then 'unchanged'
            when prev_mrr > 0 and mrr > prev_mrr then 'expansion'
            when prev_mrr > 0 and mrr < prev_mrr then 'contraction'
            else 'unchanged'
        end as movement
    from account_mrr
),

final as (
    select
        account_id,
        movement,
        mrr,
        prev_mrr,
        case
            when movement in ('new', 'reactivation') then mrr
            when movement = 'churn' then -prev_mrr
            when movement in ('expansion', 'contraction') then mrr - prev_mrr
            else cast(0 as {{ type_double() }})
        end as movement_amount,
        month,
        first_month
    from classified
)

select * from final
