{#
    Building blocks of int_records_flagged; each returns a select of
    (entity, record_key, reason, detail).

    orphan_flags: rows of CTE `child` whose non-null `reference` column has no
    match in CTE `parent` (reason orphan_reference). `child_key` is the key
    column, or a list of them for a composite key (record_key joins them with
    '|', e.g. product_usage's account_id, product_id, month). `label` names
    the column in the detail when it differs from `reference`.

    missing_fx_rate_flags: rows of CTE `relation` without an FX rate
    (fx_rate_usd null) on or before `date_column` (reason missing_fx_rate).
#}
{% macro orphan_flags(
    entity, child, child_key, reference, parent, parent_key, label=none
) -%}
    {%- set key_columns = [child_key] if child_key is string else child_key %}
    select
        '{{ entity }}' as entity,
        {{ record_key(key_columns, child) }} as record_key,
        'orphan_reference' as reason,
        '{{ label or reference }} ' || {{ child }}.{{ reference }}
        || ' is not in {{ parent }}' as detail
    from {{ child }}
    left join {{ parent }}
        on {{ child }}.{{ reference }} = {{ parent }}.{{ parent_key }}
    where
        {{ child }}.{{ reference }} is not null
        and {{ parent }}.{{ parent_key }} is null
{%- endmacro %}

{% macro missing_fx_rate_flags(entity, relation, key, date_column) -%}
    select
        '{{ entity }}' as entity,
        {{ key }} as record_key,
        'missing_fx_rate' as reason,
        'no ' || currency || ' rate on or before '
        || cast({{ date_column }} as {{ dbt.type_string() }}) as detail
    from {{ relation }}
    where fx_rate_usd is null
{%- endmacro %}
