{#
    entity_has_landed(entity): an aggregate over stg_optional_entities__landed,
    true when the optional entity has landed (docs/metrics.md (Conventions)),
    false when it never has or is not listed.
#}
{% macro entity_has_landed(entity) -%}
    coalesce(
        max(case when entity = '{{ entity }}' and has_landed then 1 else 0 end), 0
    ) = 1
{%- endmacro %}
