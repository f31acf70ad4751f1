{#
    Payments that pass validation: the rows of int_payments_converted_to_usd
    not in int_records_excluded (not flagged, invoice not excluded), with the
    columns of fct_payments and _source_loaded_at, the latest load time of the
    row, its invoice and the FX rate. What fct_payments holds after each
    build, and what the metric models read instead of the incremental fact.
    A view: a filter on a table, each reader scans only its columns.
#}
with

payments as (
    select * from {{ ref('int_payments_converted_to_usd') }}
),

payments_validated as (
    select
        payment_id,
        invoice_id,
        account_id,
        payment_status,
        method,
        currency,
        amount,
        fx_rate_usd,
        amount_usd,
        amount_usd_at_invoice_rate,
        is_received,
        received_date,
        received_at,
        updated_at,
        _source_loaded_at
    from payments
    where {{ is_not_excluded('payments', 'payments.payment_id') }}
)

select * from payments_validated
