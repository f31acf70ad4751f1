{{
    config(
        materialized='incremental',
        unique_key='invoice_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('invoices', 'invoice_id') }}",
    )
}}
{#
    Grain: one row per invoice (latest version, not deleted, not excluded).
    The rows of int_invoices_validated, built incrementally.
#}
with

final as (
    {{ incremental_fact_rows('invoices', 'invoice_id') }}
)

select * from final  -- noqa: AM04
