{#
    optional_entities_landed(entities): a one-row select of has_<entity> (true
    when the optional entity has ever landed, stg_optional_entities__landed) for
    each entity of the list; the monthly metric models cross join it to tell
    "never landed" (null) from "no rows this month" (0).
#}
{% macro optional_entities_landed(entities) -%}
    {%- set flags = [] -%}
    {%- for entity in entities -%}
        {%- do flags.append(
            "coalesce(max(case when entity = '" ~ entity
            ~ "' and has_landed then 1 else 0 end), 0) = 1 as has_" ~ entity
        ) -%}
    {%- endfor -%}
    select {{ flags | join(', ') }}
    from {{ ref('stg_optional_entities__landed') }}
{%- endmacro %}
