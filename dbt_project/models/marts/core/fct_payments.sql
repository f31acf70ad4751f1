{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_excluded_fact_rows(
            'int_payments_converted_to_usd', 'payments', 'payment_id'
        ) }}",
    )
}}
{#
    Grain: one row per payment of a fact invoice.
#}
with

payments as (
    select * from {{ ref('int_payments_converted_to_usd') }}
),

payments_valid as (
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
        {{ greatest_of([
            '_loaded_at', 'invoice_loaded_at', 'fx_loaded_at'
        ]) }} as _source_loaded_at
    from payments
    where {{ is_not_excluded('payments', 'payments.payment_id') }}
),

final as (
    select *
    from payments_valid
    {{ incremental_fact_filter('payments_valid', 'payment_id') }}
)

select * from final
