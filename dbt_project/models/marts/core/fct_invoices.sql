{{
    config(
        materialized='incremental',
        unique_key='invoice_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_excluded_fact_rows(
            'int_invoices_converted_to_usd', 'invoices', 'invoice_id'
        ) }}",
    )
}}
{#
    Grain: one row per invoice (latest version, not deleted, not excluded).
#}
with

invoices as (
    select * from {{ ref('int_invoices_converted_to_usd') }}
),

invoices_valid as (
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
        {{ greatest_of(['_loaded_at', 'fx_loaded_at']) }} as _source_loaded_at
    from invoices
    where {{ is_not_excluded('invoices', 'invoices.invoice_id') }}
),

final as (
    select *
    from invoices_valid
    {{ incremental_fact_filter('invoices_valid', 'invoice_id') }}
)

select * from final
