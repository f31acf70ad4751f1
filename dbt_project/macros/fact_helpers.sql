{#
    Helpers shared by the facts and their int_<entity>_validated models.

    is_not_excluded(entity, key_expression): true when the row is not in
    int_records_excluded (not flagged, parent not flagged or missing).

    incremental_fact_filter(alias, key_column): in an incremental run, a where
    clause keeping the rows whose inputs were loaded at or after the latest
    `_source_loaded_at` already in the fact (>=, so a load sharing that
    timestamp is never skipped), plus rows whose key is not in the
    fact yet (rows a later load made valid, e.g. by resolving a flag). Rows that stop being
    valid (deleted, newly flagged) are removed by delete_keys_not_in.

    delete_keys_not_in(model_name, key_column): post-hook SQL deleting the
    rows whose key is no longer a row of `model_name`: for a fact, its
    int_<entity>_validated model; for an incremental int_*_converted_to_usd
    table (macros/row_increment.sql), its staging model.

    In both, `key_column` may be a list of columns for a composite key (a
    reference entity's, e.g. product_usage's account_id, product_id, month):
    the rows are then matched with not exists on every column
    (same_key_columns(left, right, columns): `left.a = right.a and ...`).

    On Spark both are empty: a fact there is rewritten whole on every run
    (replace_rows_strategy: insert_overwrite of every valid row), so there is
    nothing to filter or delete.
#}
{% macro is_not_excluded(entity, key_expression) -%}
    not exists (
        select 1
        from {{ ref('int_records_excluded') }} as records_excluded
        where records_excluded.entity = '{{ entity }}'
            and records_excluded.record_key = {{ key_expression }}
    )
{%- endmacro %}

{% macro incremental_fact_filter(alias, key_column) -%}
    {{ return(adapter.dispatch('incremental_fact_filter')(alias, key_column)) }}
{%- endmacro %}

{% macro spark__incremental_fact_filter(alias, key_column) -%}
{%- endmacro %}

{% macro default__incremental_fact_filter(alias, key_column) -%}
    {%- if key_column is string -%}
        {%- set key_not_in_fact -%}
            {{ alias }}.{{ key_column }} not in (select {{ key_column }} from {{ this }})
        {%- endset -%}
    {%- else -%}
        {%- set key_not_in_fact -%}
            not exists (select 1 from {{ this }} as fact_rows where
            {{ same_key_columns('fact_rows', alias, key_column) }})
        {%- endset -%}
    {%- endif -%}
    {%- if is_incremental() %}
    where (
        {{ loaded_since_watermark(alias ~ '._source_loaded_at') }}
        or {{ key_not_in_fact }}
    )
    {%- endif %}
{%- endmacro %}

{% macro delete_keys_not_in(model_name, key_column) -%}
    {{ return(adapter.dispatch('delete_keys_not_in')(model_name, key_column)) }}
{%- endmacro %}

{% macro spark__delete_keys_not_in(model_name, key_column) -%}
{%- endmacro %}

{% macro default__delete_keys_not_in(model_name, key_column) -%}
    {%- if key_column is string -%}
        {%- set key_not_valid -%}
            {{ key_column }} not in (
                select valid_rows.{{ key_column }}
                from {{ ref(model_name) }} as valid_rows
            )
        {%- endset -%}
    {%- else -%}
        {%- set key_not_valid -%}
            not exists (select 1 from {{ ref(model_name) }} as valid_rows where
            {{ same_key_columns('valid_rows', this, key_column) }})
        {%- endset -%}
    {%- endif -%}
    delete from {{ this }}
    where {{ key_not_valid }}
{%- endmacro %}

{% macro same_key_columns(left, right, columns) -%}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- do conditions.append(left ~ '.' ~ column ~ ' = ' ~ right ~ '.' ~ column) -%}
    {%- endfor -%}
    {{ conditions | join(' and ') }}
{%- endmacro %}
