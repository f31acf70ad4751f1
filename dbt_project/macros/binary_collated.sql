{#
    A text expression compared in byte order (code points), as DuckDB and
    Spark always do; on Postgres the database's collation would order it
    otherwise (en_US puts 'a_b' before 'a.b' only by ignoring punctuation),
    so the order that picks the latest version of a row, or joins listed
    texts, is made explicit: `collate "C"`.
#}
{% macro binary_collated(expression) -%}
    {{ return(adapter.dispatch('binary_collated')(expression)) }}
{%- endmacro %}

{% macro default__binary_collated(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_collated(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
