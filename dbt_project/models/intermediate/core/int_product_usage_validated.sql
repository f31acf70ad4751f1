{#
    Product usage that passes validation: the rows of int_product_usage_keyed
    not in int_records_excluded (not flagged: an account or a product not in
    staging), with the columns of fct_product_usage and _source_loaded_at, the
    load time of the row (its columns come from its own row only). What
    fct_product_usage holds after each build, and what the usage metric
    models read instead of the incremental fact. A view: a filter on a table.
#}
with

product_usage as (
    select * from {{ ref('int_product_usage_keyed') }}
),

product_usage_validated as (
    select
        account_id,
        product_id,
        licensed_seats,
        active_users,
        new_users,
        month,  -- noqa: RF04
        _loaded_at as _source_loaded_at
    from product_usage
    where {{ is_not_excluded('product_usage', 'product_usage.usage_key') }}
)

select * from product_usage_validated
