{%- set key_columns = ['owner_rep_id', 'month'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Monthly sales targets per rep, in USD. Grain: one row per owner_rep_id, month:
    the later file, then the later row wins (no updated_at in reference entities).
#}
with

source as (
    {{ versions_to_rank(source('raw', 'sales_targets')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns, has_updated_at=false) }}
),

renamed as (
    select
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(month as date) as month,  -- noqa: RF04
        cast(target_amount_usd as decimal(18, 4)) as target_amount_usd,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
)

select * from renamed
