{#
    Grain: one row per account and month, from the account's first month with
    MRR > 0 through the as-of month (docs/metrics.md (Billing: MRR and its
    movements)). Money in USD, double (full precision; round to cents only
    when shown).
#}
with

movements as (
    select * from {{ ref('int_mrr_movements_classified') }}
),

final as (
    select
        account_id,
        movement,
        mrr,
        prev_mrr,
        movement_amount,
        month,
        first_month as cohort_month,
        12 * mrr as arr,
        mrr > 0 as is_active
    from movements
)

select * from final
