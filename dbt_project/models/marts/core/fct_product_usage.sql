{{
    config(
        materialized='incremental',
        unique_key=['account_id', 'product_id', 'month'],
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out(
            'product_usage', ['account_id', 'product_id', 'month']
        ) }}",
    )
}}
{#
    Grain: one row per account, product and month of product usage (the
    latest file's row, not flagged: its account and product are in staging).
    The rows of int_product_usage_validated, built incrementally on the
    composite key.
#}
with

final as (
    {{ incremental_fact_rows('product_usage', ['account_id', 'product_id', 'month']) }}
)

select * from final  -- noqa: AM04
