{{ config(materialized='table') }}

{#
    Staged payments joined to their invoice (left join: orphans keep null
    invoice columns and are flagged) with the FX rate on or before
    received_date (amount_usd) and the invoice's rate
    (amount_usd_at_invoice_rate, used for open balances). account_id falls
    back to the invoice's when the payment has none.
#}
with

payments as (
    select * from {{ ref('stg_payments') }}
),

invoices as (
    select
        invoice_id,
        account_id,
        currency,
        fx_rate_usd,
        _loaded_at,
        fx_loaded_at
    from {{ ref('int_invoices_converted_to_usd') }}
),

payments_joined_to_invoices as (
    select
        payments.payment_id,
        payments.invoice_id,
        coalesce(payments.account_id, invoices.account_id) as account_id,
        payments.account_id as payment_account_id,
        invoices.account_id as invoice_account_id,
        payments.payment_status,
        payments.method,
        payments.currency,
        invoices.currency as invoice_currency,
        payments.amount,
        invoices.fx_rate_usd as invoice_fx_rate_usd,
        payments.payment_status = 'succeeded' as is_received,
        payments.received_date,
        payments.received_at,
        payments.updated_at,
        payments._loaded_at,
        {{ greatest_of([
            'invoices._loaded_at', 'invoices.fx_loaded_at'
        ]) }} as invoice_loaded_at
    from payments
    left join invoices
        on payments.invoice_id = invoices.invoice_id
),

fx_rates as (
    {{ fx_rates_of_dates('payments_joined_to_invoices', 'currency', 'received_date') }}
),

payments_joined_to_fx_rates as (
    select
        payments_joined_to_invoices.*,
        fx_rates.usd_per_unit as fx_rate_usd,
        cast(
            payments_joined_to_invoices.amount * fx_rates.usd_per_unit
            as decimal(38, 10)
        ) as amount_usd,
        cast(
            payments_joined_to_invoices.amount
            * payments_joined_to_invoices.invoice_fx_rate_usd
            as decimal(38, 10)
        ) as amount_usd_at_invoice_rate,
        fx_rates._loaded_at as fx_loaded_at
    from payments_joined_to_invoices
    left join fx_rates
        on
            fx_rates.currency = payments_joined_to_invoices.currency
            and fx_rates.fx_date = payments_joined_to_invoices.received_date
)

select * from payments_joined_to_fx_rates
