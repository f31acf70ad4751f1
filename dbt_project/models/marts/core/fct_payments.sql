{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_payments_validated', 'payment_id'
        ) }}",
    )
}}
{#
    Grain: one row per payment of a fact invoice.
    The rows of int_payments_validated, built incrementally.
#}
with

payments as (
    select * from {{ ref('int_payments_validated') }}
),

final as (
    select *
    from payments
    {{ incremental_fact_filter('payments', 'payment_id') }}
)

select * from final  -- noqa: AM04
