{{
    config(
        materialized='incremental',
        unique_key='quote_line_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_quote_lines_validated', 'quote_line_id'
        ) }}",
    )
}}
{#
    Grain: one row per quote line of a fact quote.
    The rows of int_quote_lines_validated, built incrementally.
#}
with

quote_lines as (
    select * from {{ ref('int_quote_lines_validated') }}
),

final as (
    select *
    from quote_lines
    {{ incremental_fact_filter('quote_lines', 'quote_line_id') }}
)

select * from final  -- noqa: AM04
