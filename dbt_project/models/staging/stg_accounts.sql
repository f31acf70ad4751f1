{%- set key_columns = ['account_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'accounts')) }}",
    )
}}
{#
    Customers and prospects. Grain: one row per account_id: the latest version
    (greatest updated_at, ties to the later file, then the later row), deleted rows
    removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'accounts')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(name as {{ dbt.type_string() }}) as account_name,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast({{ to_utc_timestamp('created_at') }} as date) as created_date,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
