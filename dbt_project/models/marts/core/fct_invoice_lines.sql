{{
    config(
        materialized='incremental',
        unique_key='invoice_line_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_invoice_lines_validated', 'invoice_line_id'
        ) }}",
    )
}}
{#
    Grain: one row per invoice line of a fact invoice.
    The rows of int_invoice_lines_validated, built incrementally.
#}
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_validated') }}
),

final as (
    select *
    from invoice_lines
    {{ incremental_fact_filter('invoice_lines', 'invoice_line_id') }}
)

select * from final  -- noqa: AM04
