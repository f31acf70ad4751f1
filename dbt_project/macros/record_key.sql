{#
    record_key(columns, alias): the text that names one row of an entity in
    audit.flagged and int_records_excluded. A single key column is the key
    itself; a composite key (a reference entity's, e.g. product_usage's
    account_id, product_id, month) is its columns as text joined by '|', in the
    registry's key order: 'A-1|P-2|2025-03-01'.
#}
{% macro record_key(columns, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- if columns | length == 1 -%}
        {{ prefix }}{{ columns[0] }}
    {%- else -%}
        {%- set parts = [] -%}
        {%- for column in columns -%}
            {%- do parts.append(
                'cast(' ~ prefix ~ column ~ ' as ' ~ dbt.type_string() ~ ')'
            ) -%}
        {%- endfor -%}
        {{ parts | join(" || '|' || ") }}
    {%- endif -%}
{%- endmacro %}
