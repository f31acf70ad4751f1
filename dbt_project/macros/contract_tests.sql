{#
    Generic tests generated from the contract registry into the staging YAML
    (revops contract-sync): ranges and references of landing columns.

    accepted_range(min_value, max_value, min_inclusive, max_inclusive): every
    non-null value lies in the range (either bound may be none).

    relationships_or_flagged(to, field, entity, key_columns): every non-null
    value is a `field` of `to`, or the row is flagged `orphan_reference` in
    audit.flagged (a parent that has not arrived yet), under the record_key of
    the row's key columns.
#}
{% test accepted_range(
    model,
    column_name,
    min_value=none,
    max_value=none,
    min_inclusive=true,
    max_inclusive=true
) %}
{#- A missing bound compares with null, which never selects a row. -#}
{%- set low = 'null' if min_value is none else min_value -%}
{%- set high = 'null' if max_value is none else max_value %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and (
            {{ column_name }} {{ '<' if min_inclusive else '<=' }} {{ low }}
            or {{ column_name }} {{ '>' if max_inclusive else '>=' }} {{ high }}
        )
{% endtest %}

{% test relationships_or_flagged(model, column_name, to, field, entity, key_columns) %}
    select
        {{ record_key(key_columns, 'child') }} as record_key,
        child.{{ column_name }}
    from {{ model }} as child
    left join {{ to }} as parent
        on child.{{ column_name }} = parent.{{ field }}
    where child.{{ column_name }} is not null
        and parent.{{ field }} is null
        and not exists (
            select 1
            from {{ ref('flagged') }} as flagged
            where flagged.entity = '{{ entity }}'
                and flagged.record_key = {{ record_key(key_columns, 'child') }}
                and flagged.reason = 'orphan_reference'
        )
{% endtest %}
