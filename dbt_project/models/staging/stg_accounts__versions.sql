{#
    Every version of every account, one row per account_id and updated_at
    (ties broken by the later file, then the later row), deleted versions
    included with is_deleted. The source of the type-2 dim_account; the one
    staging model besides stg_accounts that reads raw.accounts, because
    stg_accounts keeps only the latest version.
#}
with

source as (
    select * from {{ source('raw', 'accounts') }}
),

versions_ranked as (
    select
        source.*,
        row_number() over (
            partition by account_id, updated_at
            order by {{ binary_collated('_file_name') }} desc, _row_number desc
        ) as _version_rank
    from source
),

renamed as (
    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(name as {{ dbt.type_string() }}) as account_name,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        coalesce(cast(is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from versions_ranked
    where _version_rank = 1
)

select * from renamed
