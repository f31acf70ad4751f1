{#
    Invariant: per invoice, the sum of its fact lines' amount equals the
    invoice's total_amount to within 0.01 (the tolerance of the
    total_mismatch flag, docs/landing-contract.md). A full outer join, so an
    invoice without lines and lines without an invoice count too.
#}
{{
    config(
        severity='error',
        meta={'dagster': {'ref': {'name': 'fct_invoices'}}},
    )
}}

with

invoices as (
    select
        invoice_id,
        total_amount
    from {{ ref('fct_invoices') }}
),

line_totals as (
    select
        invoice_id,
        sum(amount) as lines_amount
    from {{ ref('fct_invoice_lines') }}
    group by invoice_id
)

select
    coalesce(invoices.invoice_id, line_totals.invoice_id) as invoice_id,
    invoices.total_amount,
    line_totals.lines_amount
from invoices
full outer join line_totals
    on invoices.invoice_id = line_totals.invoice_id
where abs(
    coalesce(invoices.total_amount, 0) - coalesce(line_totals.lines_amount, 0)
) > 0.01
