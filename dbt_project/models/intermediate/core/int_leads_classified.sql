{{ config(materialized='view') }}

{#
    Staged leads classified per docs/metrics.md (Leads and activities): a lead
    is qualified when qualified_at is set or its status is `converted`, and
    converted when its status is `converted`; days_to_convert = whole days
    between the UTC dates of created_at and converted_at, for converted leads.
    created_month (the cohort) and converted_month are the first days of the
    UTC months. One row per staged lead, flagged ones included. A view over
    the staging table. No personal data: the e-mail stays in staging.
#}
with

leads as (
    select
        lead_id,
        owner_rep_id,
        converted_account_id,
        source_channel,
        lead_status,
        created_date,
        qualified_date,
        converted_date,
        created_at,
        qualified_at,
        converted_at,
        updated_at,
        _loaded_at
    from {{ ref('stg_leads') }}
),

leads_classified as (
    select
        lead_id,
        owner_rep_id,
        converted_account_id,
        source_channel,
        lead_status,
        cast(
            case
                when lead_status = 'converted'
                    then {{ dbt.datediff('created_date', 'converted_date', 'day') }}
            end as {{ dbt.type_bigint() }}
        ) as days_to_convert,
        qualified_at is not null or lead_status = 'converted' as is_qualified,
        lead_status = 'converted' as is_converted,
        created_date,
        qualified_date,
        converted_date,
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as created_month,
        cast({{ dbt.date_trunc('month', 'converted_date') }} as date) as converted_month,
        created_at,
        qualified_at,
        converted_at,
        updated_at,
        _loaded_at
    from leads
)

select * from leads_classified
