{#
    The greatest non-null timestamp of a list of expressions (null when all
    are null; `greatest` treats nulls differently across engines, hence the
    coalesce to a floor). Used for `_source_loaded_at`, the latest load time
    of every input of a fact row, which drives the incremental facts.
#}
{% macro greatest_of(expressions) -%}
    {%- set floor = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
    nullif(
        greatest(
    {%- for expression in expressions %}
            coalesce({{ expression }}, {{ floor }}){{ ',' if not loop.last }}
    {%- endfor %}
        ),
        {{ floor }}
    )
{%- endmacro %}
