{#
    Invoices that pass validation: the rows of int_invoices_converted_to_usd
    (latest version, not deleted) that are not in int_records_excluded (not
    flagged, quote not excluded), with the columns of fct_invoices and
    _source_loaded_at, the latest load time of the row and its FX rate.
    What fct_invoices holds after each build, and what the metric models read
    instead of the incremental fact. A view: a filter on a table, each reader
    scans only its columns.
#}
with

invoices as (
    select * from {{ ref('int_invoices_converted_to_usd') }}
),

invoices_validated as (
    select
        invoice_id,
        invoice_number,
        account_id,
        quote_id,
        invoice_status,
        currency,
        total_amount,
        fx_rate_usd,
        total_amount_usd,
        is_billable,
        issued_date,
        due_date,
        updated_at,
        _source_loaded_at
    from invoices
    where {{ is_not_excluded('invoices', 'invoices.invoice_id') }}
)

select * from invoices_validated
