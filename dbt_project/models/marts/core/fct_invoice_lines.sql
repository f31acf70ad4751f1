{{
    config(
        materialized='incremental',
        unique_key='invoice_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_excluded_fact_rows(
            'int_invoice_lines_converted_to_usd', 'invoice_lines', 'invoice_line_id'
        ) }}",
    )
}}
{#
    Grain: one row per invoice line of a fact invoice.
#}
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_converted_to_usd') }}
),

invoice_lines_valid as (
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
),

final as (
    select *
    from invoice_lines_valid
    {{ incremental_fact_filter('invoice_lines_valid', 'invoice_line_id') }}
)

select * from final
