{#
    A zoned timestamp (raw `timestamptz`) as a timestamp without zone in UTC,
    whatever the session time zone is.
#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast(({{ column }} at time zone 'UTC') as timestamp)
{%- endmacro %}

{% macro spark__to_utc_timestamp(column) -%}
    to_utc_timestamp({{ column }}, current_timezone())
{%- endmacro %}
