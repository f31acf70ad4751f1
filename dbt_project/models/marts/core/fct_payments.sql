{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('payments', 'payment_id') }}",
    )
}}
{#
    Grain: one row per payment of a fact invoice.
    The rows of int_payments_validated, built incrementally.
#}
with

final as (
    {{ incremental_fact_rows('payments', 'payment_id') }}
)

select * from final  -- noqa: AM04
