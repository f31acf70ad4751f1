{{ config(materialized='view') }}

{#
    Staged product usage with usage_key, the row's record_key (account_id,
    product_id and month as text joined by '|', the name of the row in
    audit.flagged and int_records_excluded). One row per staged row (the
    latest file's version of each account, product and month), flagged ones
    included. A view over the staging table.
#}
with

product_usage as (
    select
        account_id,
        product_id,
        licensed_seats,
        active_users,
        new_users,
        month,  -- noqa: RF04
        _loaded_at
    from {{ ref('stg_product_usage') }}
),

product_usage_keyed as (
    select
        {{ record_key(['account_id', 'product_id', 'month']) }} as usage_key,
        account_id,
        product_id,
        licensed_seats,
        active_users,
        new_users,
        month,  -- noqa: RF04
        _loaded_at
    from product_usage
)

select * from product_usage_keyed
