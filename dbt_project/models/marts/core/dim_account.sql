{#
    Grain: one row per account version (type 2). A version is valid over
    [valid_from, valid_to); the first version of an account is valid from the
    earlier of created_at and its updated_at, later versions from their
    updated_at; valid_to is the next version's updated_at (null for the
    current version). A deleted version closes the previous one and adds no
    row, so a deleted account has no current row. No e-mail: the billing
    contact's address is personal data and stays in staging.
#}
with

account_versions as (
    select * from {{ ref('stg_accounts__versions') }}
),

versions_ordered as (
    select
        account_versions.*,
        row_number() over (
            partition by account_id
            order by updated_at nulls last
        ) as version_number,
        lead(updated_at) over (
            partition by account_id
            order by updated_at nulls last
        ) as next_updated_at
    from account_versions
),

final as (
    select
        {{ surrogate_key(['account_id', 'updated_at']) }} as account_key,
        account_id,
        account_name,
        industry,
        segment,
        country,
        owner_rep_id,
        acquisition_channel,
        next_updated_at is null as is_current,
        created_at,
        case
            when version_number = 1 and created_at < updated_at then created_at
            else updated_at
        end as valid_from,
        next_updated_at as valid_to
    from versions_ordered
    where not is_deleted
)

select * from final
