{%- set key_columns = ['currency', 'rate_date'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Daily or monthly FX rates to USD. Grain: one row per currency, rate_date: the
    later file, then the later row wins (no updated_at in reference entities).
#}
with

source as (
    {{ versions_to_rank(source('raw', 'fx_rates')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns, has_updated_at=false) }}
),

renamed as (
    select
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(rate_date as date) as rate_date,
        cast(usd_per_unit as decimal(18, 4)) as usd_per_unit,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
)

select * from renamed
