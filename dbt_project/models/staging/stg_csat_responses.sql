{%- set key_columns = ['response_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'csat_responses')) }}",
    )
}}
{#
    Customer-satisfaction survey responses. Grain: one row per response_id: the
    latest version (greatest updated_at, ties to the later file, then the later
    row), deleted rows removed. `comment` is personal data: it stays here and
    never reaches a mart.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'csat_responses')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(score as {{ dbt.type_bigint() }}) as score,
        cast(comment as {{ dbt.type_string() }}) as comment,  -- noqa: RF04
        cast({{ to_utc_timestamp('responded_at') }} as date) as responded_date,
        {{ to_utc_timestamp('responded_at') }} as responded_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
