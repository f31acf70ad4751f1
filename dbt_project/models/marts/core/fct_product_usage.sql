{{
    config(
        materialized='incremental',
        unique_key=['account_id', 'product_id', 'month'],
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_product_usage_validated', ['account_id', 'product_id', 'month']
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

product_usage as (
    select * from {{ ref('int_product_usage_validated') }}
),

final as (
    select *
    from product_usage
    {{ incremental_fact_filter('product_usage', ['account_id', 'product_id', 'month']) }}
)

select * from final  -- noqa: AM04
