{{
    config(
        materialized='incremental',
        unique_key='invoice_line_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('invoice_lines', 'invoice_line_id') }}",
    )
}}
{#
    Grain: one row per invoice line of a fact invoice.
    The rows of int_invoice_lines_validated, built incrementally.
#}
with

final as (
    {{ incremental_fact_rows('invoice_lines', 'invoice_line_id') }}
)

select * from final  -- noqa: AM04
