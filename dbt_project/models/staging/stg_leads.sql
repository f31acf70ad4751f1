{%- set key_columns = ['lead_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'leads')) }}",
    )
}}
{#
    Leads from marketing automation and the CRM. Grain: one row per lead_id: the
    latest version (greatest updated_at, ties to the later file, then the later
    row), deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'leads')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(converted_account_id as {{ dbt.type_string() }}) as converted_account_id,
        cast(source_channel as {{ dbt.type_string() }}) as source_channel,
        cast(status as {{ dbt.type_string() }}) as lead_status,
        cast(email as {{ dbt.type_string() }}) as email,
        cast({{ to_utc_timestamp('created_at') }} as date) as created_date,
        cast({{ to_utc_timestamp('qualified_at') }} as date) as qualified_date,
        cast({{ to_utc_timestamp('converted_at') }} as date) as converted_date,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('qualified_at') }} as qualified_at,
        {{ to_utc_timestamp('converted_at') }} as converted_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
