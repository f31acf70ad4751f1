{{
    config(
        materialized='incremental',
        unique_key='quote_line_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('quote_lines', 'quote_line_id') }}",
    )
}}
{#
    Grain: one row per quote line of a fact quote.
    The rows of int_quote_lines_validated, built incrementally.
#}
with

final as (
    {{ incremental_fact_rows('quote_lines', 'quote_line_id') }}
)

select * from final  -- noqa: AM04
