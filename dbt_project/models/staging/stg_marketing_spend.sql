{%- set key_columns = ['month', 'channel'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Marketing spend per month and channel, in USD. Grain: one row per month,
    channel: the later file, then the later row wins (no updated_at in reference
    entities).
#}
with

source as (
    {{ versions_to_rank(source('raw', 'marketing_spend')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns, has_updated_at=false) }}
),

renamed as (
    select
        cast(month as date) as month,  -- noqa: RF04
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(amount_usd as decimal(18, 4)) as amount_usd,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
)

select * from renamed
