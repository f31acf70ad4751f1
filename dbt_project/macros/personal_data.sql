{#
    The rows of a test that fails when personal data reach the marts: one row
    per mart column whose name contains a sensitive column's name, and one per
    string column holding values shaped like an e-mail address (x@y.z), with how
    many. The column lists are read from the warehouse when the test runs.
#}
{% macro personal_data_in_marts(marts, sensitive_columns) -%}
    {%- set checks = [] -%}
    {%- if execute -%}
        {%- for mart in marts -%}
            {%- for column in adapter.get_columns_in_relation(mart) -%}
                {%- set name = column.name | lower -%}
                {%- set named = sensitive_columns | select('in', name) | list -%}
                {%- set label -%}
                    '{{ mart.identifier }}' as model_name, '{{ column.name }}' as column_name
                {%- endset -%}
                {%- if named -%}
                    {%- do checks.append(
                        'select ' ~ label ~ ', ' ~ "'named like " ~ named[0] ~ "'"
                        ~ ' as reason, 1 as offending_rows'
                    ) -%}
                {%- elif column.is_string() -%}
                    {%- do checks.append(
                        'select ' ~ label ~ ", 'e-mail-like values' as reason,"
                        ~ ' count(*) as offending_rows from ' ~ mart
                        ~ ' where ' ~ adapter.quote(column.name) ~ " like '%_@_%._%'"
                        ~ ' having count(*) > 0'
                    ) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if checks -%}
        {{ checks | join('\nunion all\n') }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as model_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as reason,
            0 as offending_rows
        where 1 = 0
    {%- endif -%}
{%- endmacro %}
