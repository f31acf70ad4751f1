{#
    Marketing spend per month and channel, in USD. Grain: one row per month,
    channel: the later file, then the later row wins (no updated_at in reference
    entities).
#}
with

source as (
    select * from {{ source('raw', 'marketing_spend') }}
),

latest_versions as (
    {{ latest_version('source', ['month', 'channel'], has_updated_at=false) }}
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
