{{
    config(
        materialized='incremental',
        unique_key='quote_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_excluded_fact_rows(
            'int_quote_lines_converted_to_usd', 'quote_lines', 'quote_line_id'
        ) }}",
    )
}}
{#
    Grain: one row per quote line of a fact quote.
#}
with

quote_lines as (
    select * from {{ ref('int_quote_lines_converted_to_usd') }}
),

quote_lines_valid as (
    select
        quote_line_id,
        quote_id,
        product_id,
        pricing_model,
        quantity,
        unit_price,
        discount_pct,
        monthly_value,
        line_value,
        fx_rate_usd,
        monthly_value_usd,
        line_value_usd,
        updated_at,
        _source_loaded_at
    from quote_lines
    where {{ is_not_excluded('quote_lines', 'quote_lines.quote_line_id') }}
),

final as (
    select *
    from quote_lines_valid
    {{ incremental_fact_filter('quote_lines_valid', 'quote_line_id') }}
)

select * from final
