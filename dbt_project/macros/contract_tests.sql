{#
    Generic test generated from the contract registry into the staging YAML
    (revops contract-sync) for each reference of a landing column (its other
    rules are one column_rules test per model: macros/column_rules.sql).

    relationships_or_flagged(to, field, entity, key_columns): every non-null
    value is a `field` of `to`, or the row is flagged `orphan_reference` in
    audit.flagged (a parent that has not arrived yet), under the record_key of
    the row's key columns.
#}
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
