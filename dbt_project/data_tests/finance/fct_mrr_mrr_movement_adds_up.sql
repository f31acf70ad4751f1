{#
    Invariant (docs/metrics.md (Billing: MRR and its movements)): for every
    account and month MRR(M) = MRR(M-1) + movement amount, and prev_mrr is the
    account's MRR of the month before (0 at its first month). Equal within
    0.005, the equality of MRR values. Returns the offending rows.
#}
{{ config(severity='error', tags=['metrics', 'invariant']) }}

with

account_months as (
    select
        account_id,
        mrr,
        prev_mrr,
        movement_amount,
        month,
        lag(mrr) over (partition by account_id order by month) as mrr_month_before
    from {{ ref('fct_mrr') }}
)

select *
from account_months
where
    abs(mrr - (prev_mrr + movement_amount)) >= 0.005
    or abs(prev_mrr - coalesce(mrr_month_before, 0)) >= 0.005
