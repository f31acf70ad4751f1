{#
    Helpers shared by the facts and their int_<entity>_validated models.

    is_not_excluded(entity, key_expression): true when the row is not in
    int_records_excluded (not flagged, parent not flagged or missing).

    A fact holds the rows of its int_<entity>_validated view, built
    incrementally on the fact's unique_key (replace_rows_strategy:
    delete+insert). What an incremental build does:
    - delete_fact_rows_left_out(entity, key_column), the fact's pre-hook,
      deletes the rows no longer valid: excluded now (int_records_excluded),
      or of a key with a raw version loaded after the fact's watermark that is
      no longer a valid row (deleted; a key leaves staging only by a deleted
      version). It runs before the select, while the watermark is still the
      last build's.
    - incremental_fact_rows(entity, key_column) selects the rows to insert
      (or to replace) from int_<entity>_validated: those whose inputs
      were loaded after the fact's watermark, its latest `_source_loaded_at`
      (macros/row_increment.sql), and those of a key that was excluded in
      some earlier build (int_records_once_excluded): a row made valid again
      by a later load (its flag resolved, its parent valid again) may carry
      no new load time. Until int_records_once_excluded holds a row of an
      earlier run (it is new in this warehouse, or nothing was ever
      excluded), the second part is every valid row whose key is not in the
      fact, which reads the whole fact (`not in` for a single key: DuckDB
      runs it several times faster than `not exists` there).

    delete_keys_not_in(model_name, key_column): post-hook SQL deleting the
    rows whose key is no longer a row of `model_name`: for an incremental
    int_*_converted_to_usd table (macros/row_increment.sql), its staging
    model, on its single key column.

    For the facts, `key_column` may be a list of columns for a composite key (a reference
    entity's, e.g. product_usage's account_id, product_id, month): the rows
    are then matched on every column (same_key_columns(left, right,
    columns): `left.a = right.a and ...`), or on record_key's text.

    On Spark the select is every valid row and the deletes are empty: a fact
    there is rewritten whole on every run (replace_rows_strategy:
    insert_overwrite of every valid row), so there is nothing to filter or
    delete.
#}
{% macro is_not_excluded(entity, key_expression) -%}
    not exists (
        select 1
        from {{ ref('int_records_excluded') }} as records_excluded
        where records_excluded.entity = '{{ entity }}'
            and records_excluded.record_key = {{ key_expression }}
    )
{%- endmacro %}

{% macro incremental_fact_rows(entity, key_column) -%}
    {#- Taken in every rendering, so that dbt sees at parse time what the fact and its
        pre-hook (delete_fact_rows_left_out) read. -#}
    {%- set valid_rows = ref('int_' ~ entity ~ '_validated') -%}
    {%- set once_excluded = ref('int_records_once_excluded') -%}
    {%- do ref('int_records_excluded') -%}
    {%- do source('raw', entity) -%}
    {%- set key_columns = [key_column] if key_column is string else key_column -%}
    {{ return(adapter.dispatch('incremental_fact_rows')(
        entity, key_columns, valid_rows, once_excluded
    )) }}
{%- endmacro %}

{% macro spark__incremental_fact_rows(entity, key_columns, valid_rows, once_excluded) -%}
    select * from {{ valid_rows }} as {{ entity }}
{%- endmacro %}

{% macro default__incremental_fact_rows(
    entity, key_columns, valid_rows, once_excluded
) -%}
    {#- The view is named in each branch, not through a CTE read twice, which
        DuckDB would materialize whole. -#}
    {%- if not is_incremental() %}
    select * from {{ valid_rows }} as {{ entity }}
    {%- elif once_excluded_known_before(once_excluded) %}
    select * from {{ valid_rows }} as {{ entity }}
    where {{ loaded_since_watermark(entity ~ '._source_loaded_at') }}
    union
    select * from {{ valid_rows }} as {{ entity }}
    where {{ record_key(key_columns, entity) }} in (
        select once_excluded.record_key
        from {{ once_excluded }} as once_excluded
        where once_excluded.entity = '{{ entity }}'
    )
    {%- elif key_columns | length == 1 %}
    select * from {{ valid_rows }} as {{ entity }}
    where
        {{ loaded_since_watermark(entity ~ '._source_loaded_at') }}
        or {{ entity }}.{{ key_columns[0] }} not in (
            select fact_rows.{{ key_columns[0] }} from {{ this }} as fact_rows
        )
    {%- else %}
    select * from {{ valid_rows }} as {{ entity }}
    where
        {{ loaded_since_watermark(entity ~ '._source_loaded_at') }}
        or not exists (
            select 1 from {{ this }} as fact_rows
            where {{ same_key_columns('fact_rows', entity, key_columns) }}
        )
    {%- endif %}
{%- endmacro %}

{% macro once_excluded_known_before(once_excluded) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set earlier -%}
        select count(*) from {{ once_excluded }}
        where first_excluded_at < {{ run_started_timestamp() }}
    {%- endset -%}
    {{ return(run_query(earlier).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro delete_fact_rows_left_out(entity, key_column) -%}
    {{ return(adapter.dispatch('delete_fact_rows_left_out')(entity, key_column)) }}
{%- endmacro %}

{% macro spark__delete_fact_rows_left_out(entity, key_column) -%}
{%- endmacro %}

{% macro default__delete_fact_rows_left_out(entity, key_column) -%}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set key_columns = [key_column] if key_column is string else key_column -%}
    delete from {{ this }}
    where {{ record_key(key_columns, this) }} in (
            select excluded.record_key
            from {{ ref('int_records_excluded') }} as excluded
            where excluded.entity = '{{ entity }}'
        )
        or (
            {{ record_key(key_columns, this) }} in (
                select cast({{ record_key(key_columns, 'loaded') }} as {{ dbt.type_string() }})
                from {{ source('raw', entity) }} as loaded
                where {{ to_utc_timestamp('loaded._loaded_at') }} > {{ increment_watermark() }}
            )
            and not exists (
                select 1
                from {{ ref('int_' ~ entity ~ '_validated') }} as valid_rows
                where {{ same_key_columns('valid_rows', this, key_columns) }}
            )
        )
{%- endmacro %}

{% macro delete_keys_not_in(model_name, key_column) -%}
    {{ return(adapter.dispatch('delete_keys_not_in')(model_name, key_column)) }}
{%- endmacro %}

{% macro spark__delete_keys_not_in(model_name, key_column) -%}
{%- endmacro %}

{% macro default__delete_keys_not_in(model_name, key_column) -%}
    delete from {{ this }}
    where {{ key_column }} not in (
        select valid_rows.{{ key_column }}
        from {{ ref(model_name) }} as valid_rows
    )
{%- endmacro %}

{% macro same_key_columns(left, right, columns) -%}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- do conditions.append(left ~ '.' ~ column ~ ' = ' ~ right ~ '.' ~ column) -%}
    {%- endfor -%}
    {{ conditions | join(' and ') }}
{%- endmacro %}
