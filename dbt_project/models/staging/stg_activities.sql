{%- set key_columns = ['activity_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'activities')) }}",
    )
}}
{#
    Sales activities logged by reps. Grain: one row per activity_id: the latest
    version (greatest updated_at, ties to the later file, then the later row),
    deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'activities')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(quote_id as {{ dbt.type_string() }}) as quote_id,
        cast(activity_type as {{ dbt.type_string() }}) as activity_type,
        cast({{ to_utc_timestamp('occurred_at') }} as date) as occurred_date,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
