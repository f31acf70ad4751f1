{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in('stg_payments', 'payment_id') }}",
    )
}}

{#
    Staged payments joined to their invoice (left join: orphans keep null
    invoice columns and are flagged) with the FX rate on or before
    received_date (amount_usd) and the invoice's rate
    (amount_usd_at_invoice_rate, used for open balances). account_id falls
    back to the invoice's when the payment has none. _source_loaded_at: the
    latest load time of the payment, its invoice and its rate. Incremental per
    payment (macros/row_increment.sql): a run converts again the payments
    loaded since, those of an invoice loaded or converted since, and those an
    FX rate loaded since may apply to.
#}
with

staged_payments as (
    select * from {{ ref('stg_payments') }}
),

payments as (
    select *
    from staged_payments
    {{ rows_changed_since([
        loaded_since_watermark('staged_payments._loaded_at'),
        converted_since(
            'int_invoices_converted_to_usd', 'invoice_id', 'staged_payments.invoice_id'
        ),
        keys_loaded_since('invoices', 'invoice_id', 'staged_payments.invoice_id'),
        fx_rate_loaded_since(
            'staged_payments.currency', 'staged_payments.received_date'
        ),
    ]) }}
),

invoices as (
    select
        invoice_id,
        account_id,
        currency,
        fx_rate_usd,
        _source_loaded_at
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
        invoices._source_loaded_at as invoice_loaded_at
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
        fx_rates._loaded_at as fx_loaded_at,
        {{ greatest_of([
            'payments_joined_to_invoices._loaded_at',
            'payments_joined_to_invoices.invoice_loaded_at',
            'fx_rates._loaded_at',
        ]) }} as _source_loaded_at
    from payments_joined_to_invoices
    left join fx_rates
        on
            fx_rates.currency = payments_joined_to_invoices.currency
            and fx_rates.fx_date = payments_joined_to_invoices.received_date
)

select * from payments_joined_to_fx_rates
