{#
    Quote lines that pass validation: the rows of
    int_quote_lines_converted_to_usd not in int_records_excluded (not flagged,
    quote not excluded), with the columns of fct_quote_lines. What
    fct_quote_lines holds after each build, and what int_quotes_valued sums.
    A view: a filter on a table, each reader scans only its columns.
#}
with

quote_lines as (
    select * from {{ ref('int_quote_lines_converted_to_usd') }}
),

quote_lines_validated as (
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
)

select * from quote_lines_validated
