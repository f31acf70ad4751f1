{#
    A date part (year, quarter, month, day) of a date as a number.
    `extract(part from date)` runs on DuckDB, Postgres and Spark alike.
#}
{% macro date_part_int(part, date_expression) -%}
    extract({{ part }} from {{ date_expression }})
{%- endmacro %}
