{#
    Monthly sales targets per rep, in USD. Grain: one row per owner_rep_id, month:
    the later file, then the later row wins (no updated_at in reference entities).
#}
with

source as (
    select * from {{ source('raw', 'sales_targets') }}
),

latest_versions as (
    {{ latest_version('source', ['owner_rep_id', 'month'], has_updated_at=false) }}
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
