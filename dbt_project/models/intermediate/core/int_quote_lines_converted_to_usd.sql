{{
    config(
        materialized='incremental',
        unique_key='quote_line_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in('stg_quote_lines', 'quote_line_id') }}",
    )
}}

{#
    Staged quote lines with their product's pricing model and the values of
    "Quote value" (docs/metrics.md (Bookings and the sales funnel)):
    monthly_value = quantity x unit_price x (1 - discount_pct / 100);
    line_value = monthly_value x term_months (12 while the quote has no term)
    for recurring products, x 1 for one-time; line_value_usd at the quote's
    rate. Full precision (decimal(38, 10)). Left joins: lines of missing
    quotes or products keep nulls and are flagged.
#}
with

staged_quote_lines as (
    select * from {{ ref('stg_quote_lines') }}
),

quote_lines as (
    select *
    from staged_quote_lines
    {{ rows_changed_since([
        loaded_since_watermark('staged_quote_lines._loaded_at'),
        converted_since(
            'int_quotes_converted_to_usd', 'quote_id', 'staged_quote_lines.quote_id'
        ),
        keys_loaded_since('quotes', 'quote_id', 'staged_quote_lines.quote_id'),
        keys_loaded_since('products', 'product_id', 'staged_quote_lines.product_id'),
    ]) }}
),

quotes as (
    select
        quote_id,
        term_months,
        fx_rate_usd,
        _source_loaded_at
    from {{ ref('int_quotes_converted_to_usd') }}
),

products as (
    select
        product_id,
        pricing_model,
        _loaded_at
    from {{ ref('stg_products') }}
),

quote_lines_joined as (
    select
        quote_lines.quote_line_id,
        quote_lines.quote_id,
        quote_lines.product_id,
        products.pricing_model,
        quote_lines.quantity,
        quote_lines.unit_price,
        quote_lines.discount_pct,
        cast(
            quote_lines.quantity * quote_lines.unit_price
            * (100 - quote_lines.discount_pct) * 0.01
            as decimal(38, 10)
        ) as monthly_value,
        case
            when products.pricing_model = 'recurring'
                then coalesce(quotes.term_months, 12)
            when products.pricing_model = 'one_time' then 1
        end as value_multiplier,
        quotes.fx_rate_usd,
        quote_lines.updated_at,
        quote_lines._loaded_at,
        {{ greatest_of([
            'quote_lines._loaded_at',
            'quotes._source_loaded_at',
            'products._loaded_at',
        ]) }} as _source_loaded_at
    from quote_lines
    left join quotes
        on quote_lines.quote_id = quotes.quote_id
    left join products
        on quote_lines.product_id = products.product_id
),

final as (
    select
        quote_line_id,
        quote_id,
        product_id,
        pricing_model,
        quantity,
        unit_price,
        discount_pct,
        monthly_value,
        cast(monthly_value * value_multiplier as decimal(38, 10)) as line_value,
        cast(
            monthly_value * value_multiplier * fx_rate_usd as decimal(38, 10)
        ) as line_value_usd,
        cast(monthly_value * fx_rate_usd as decimal(38, 10)) as monthly_value_usd,
        fx_rate_usd,
        updated_at,
        _loaded_at,
        _source_loaded_at
    from quote_lines_joined
)

select * from final
