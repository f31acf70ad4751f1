{#
    run_started_timestamp(): the start time (UTC) of this dbt invocation as a
    timestamp literal, the same in every model of the run.
#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
        as {{ dbt.type_timestamp() }})
{%- endmacro %}
