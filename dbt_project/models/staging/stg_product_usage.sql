{%- set key_columns = ['account_id', 'product_id', 'month'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Monthly product usage per account and product. Grain: one row per account_id,
    product_id and month: the later file, then the later row wins (no updated_at
    in reference entities).
#}
with

source as (
    {{ versions_to_rank(source('raw', 'product_usage')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns, has_updated_at=false) }}
),

renamed as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(month as date) as month,  -- noqa: RF04
        cast(licensed_seats as {{ dbt.type_bigint() }}) as licensed_seats,
        cast(active_users as {{ dbt.type_bigint() }}) as active_users,
        cast(new_users as {{ dbt.type_bigint() }}) as new_users,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
)

select * from renamed
