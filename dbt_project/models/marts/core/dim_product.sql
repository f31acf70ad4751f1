{#
    Grain: one row per product (latest version, not deleted).
#}
with

products as (
    select * from {{ ref('stg_products') }}
),

final as (
    select
        product_id,
        sku,
        product_name,
        family,
        pricing_model,
        currency,
        billing_interval_months,
        list_price,
        unit_cost,
        is_active,
        updated_at
    from products
)

select * from final
