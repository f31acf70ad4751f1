{%- set key_columns = ['owner_rep_id', 'forecast_month', 'submitted_at'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Reps' forecasts of a month's bookings. Grain: one row per owner_rep_id,
    forecast_month and submitted_at: the later file, then the later row wins (no
    updated_at in reference entities).
#}
with

source as (
    {{ versions_to_rank(source('raw', 'forecast_submissions')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns, has_updated_at=false) }}
),

renamed as (
    select
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(commit_amount_usd as decimal(18, 4)) as commit_amount_usd,
        cast(best_case_amount_usd as decimal(18, 4)) as best_case_amount_usd,
        cast(forecast_month as date) as forecast_month,
        cast({{ to_utc_timestamp('submitted_at') }} as date) as submitted_date,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
)

select * from renamed
