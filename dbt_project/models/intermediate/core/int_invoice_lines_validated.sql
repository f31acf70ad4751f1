{#
    Invoice lines that pass validation: the rows of
    int_invoice_lines_converted_to_usd not in int_records_excluded (not
    flagged, invoice not excluded), with the columns of fct_invoice_lines.
    What fct_invoice_lines holds after each build, and what the metric models
    read instead of the incremental fact. A view: a filter on a table, each
    reader scans only its columns.
#}
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_converted_to_usd') }}
),

invoice_lines_validated as (
    select
        invoice_line_id,
        invoice_id,
        account_id,
        quote_id,
        product_id,
        pricing_model,
        invoice_status,
        currency,
        description,
        quantity,
        unit_amount,
        amount,
        fx_rate_usd,
        amount_usd,
        service_months,
        is_billable,
        issued_date,
        period_start,
        period_end,
        updated_at,
        _source_loaded_at
    from invoice_lines
    where {{ is_not_excluded('invoice_lines', 'invoice_lines.invoice_line_id') }}
)

select * from invoice_lines_validated
