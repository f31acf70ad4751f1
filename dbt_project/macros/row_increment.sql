{#
    The int_*_converted_to_usd tables are incremental per key (issue 19): an
    incremental run converts again only the rows whose inputs may have changed
    since the table's watermark, the latest `_source_loaded_at` it holds. The
    loader stamps a file's raw rows with a time later than every stamp already
    in the warehouse (ingestion/loader.py load_stamp), so every load since the
    table's last build is after the watermark (>: the rows of the latest load
    the table read are not converted again). The rows converted again replace the table's rows of their keys
    (replace_rows_strategy: delete+insert by unique_key); the table is the full
    build's, row for row.

    A row is converted again when one of its inputs was loaded since:
    - loaded_since_watermark(column): its own staged row (a new key, or a new
      winning version);
    - converted_since(model_name, key_column, column): its parent's converted
      row (`_source_loaded_at`: the parent's own row or its FX rate);
    - keys_loaded_since(entity, key_column, column): a parent of the row has a
      raw version loaded since (an update or a delete of the parent; a version
      that loses to the current one converts the row again, harmlessly). A
      deleted parent leaves staging, so only raw still names it;
    - fx_rate_loaded_since(currency_column, date_column): an FX rate of the
      row's currency loaded since for a date on or before the row's FX date (a
      back-filled or restated rate; a rate for a later date cannot apply).
    rows_changed_since(conditions) is the where clause joining them (empty in a
    full build). increment_watermark(column) is the watermark subquery of every
    incremental model: the staging tables' (of `_loaded_at`) and the facts' too.
    Rows whose key left staging are deleted by the post-hook
    delete_keys_not_in(model_name, key_column) (macros/fact_helpers.sql).

    On Spark the where clause is empty: replace_rows_strategy is
    insert_overwrite there, so each build converts and writes every row.
#}
{% macro increment_watermark(column='_source_loaded_at') -%}
    (
        select
            coalesce(
                max({{ column }}),
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        from {{ this }}
    )
{%- endmacro %}

{% macro rows_changed_since(conditions) -%}
    {{ return(adapter.dispatch('rows_changed_since')(conditions)) }}
{%- endmacro %}

{% macro default__rows_changed_since(conditions) -%}
    {%- if is_incremental() %}
    where
        {{ conditions | join('\n        or ') }}
    {%- endif %}
{%- endmacro %}

{% macro spark__rows_changed_since(conditions) -%}
{%- endmacro %}

{% macro loaded_since_watermark(column) -%}
    {{ column }} > {{ increment_watermark() }}
{%- endmacro %}

{% macro converted_since(model_name, key_column, column) -%}
    {{ column }} in (
        select converted_rows.{{ key_column }}
        from {{ ref(model_name) }} as converted_rows
        where converted_rows._source_loaded_at > {{ increment_watermark() }}
    )
{%- endmacro %}

{% macro keys_loaded_since(entity, key_column, column) -%}
    {{ column }} in (
        select cast(raw_versions.{{ key_column }} as {{ dbt.type_string() }})
        from {{ source('raw', entity) }} as raw_versions
        where
            {{ to_utc_timestamp('raw_versions._loaded_at') }}
            > {{ increment_watermark() }}
    )
{%- endmacro %}

{% macro fx_rate_loaded_since(currency_column, date_column) -%}
    exists (
        select 1
        from {{ ref('stg_fx_rates') }} as loaded_rates
        where
            loaded_rates._loaded_at > {{ increment_watermark() }}
            and loaded_rates.currency = {{ currency_column }}
            and loaded_rates.rate_date <= {{ date_column }}
    )
{%- endmacro %}
