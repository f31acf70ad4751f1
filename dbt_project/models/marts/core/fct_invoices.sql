{{
    config(
        materialized='incremental',
        unique_key='invoice_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_invoices_validated', 'invoice_id'
        ) }}",
    )
}}
{#
    Grain: one row per invoice (latest version, not deleted, not excluded).
    The rows of int_invoices_validated, built incrementally.
#}
with

invoices as (
    select * from {{ ref('int_invoices_validated') }}
),

final as (
    select *
    from invoices
    {{ incremental_fact_filter('invoices', 'invoice_id') }}
)

select * from final  -- noqa: AM04
