{#
    Invariant: per invoice, the sum of its fact lines' amount equals the
    invoice's total_amount to within 0.01 (the tolerance of the
    total_mismatch flag, docs/landing-contract.md). A full outer join, so an
    invoice without lines and lines without an invoice count too. An invoice
    with a line left out of the facts (flagged, e.g. its product has not
    arrived yet) is not checked: the flag compares the total with all its
    lines, and the invoice stays in the facts while its line is out.
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

invoices_with_excluded_lines as (
    select distinct invoice_lines.invoice_id
    from {{ ref('int_invoice_lines_converted_to_usd') }} as invoice_lines
    inner join {{ ref('int_records_excluded') }} as records_excluded
        on
            records_excluded.entity = 'invoice_lines'
            and invoice_lines.invoice_line_id = records_excluded.record_key
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
where
    abs(
        coalesce(invoices.total_amount, 0) - coalesce(line_totals.lines_amount, 0)
    ) > 0.01
    and coalesce(invoices.invoice_id, line_totals.invoice_id) not in (
        select invoice_id from invoices_with_excluded_lines
    )
