{{ config(materialized='view') }}

{#
    Staged activities with occurred_month, the first day of the UTC month of
    occurred_at, so that the monthly counts join months on equality. One row
    per staged activity, flagged ones included. A view: staging is a table
    (kept incrementally), so a copy of it would only cost a write of the
    largest sales entity each build.
#}
with

activities as (
    select
        activity_id,
        owner_rep_id,
        account_id,
        lead_id,
        quote_id,
        activity_type,
        occurred_date,
        occurred_at,
        updated_at,
        _loaded_at
    from {{ ref('stg_activities') }}
),

activities_dated as (
    select
        activity_id,
        owner_rep_id,
        account_id,
        lead_id,
        quote_id,
        activity_type,
        occurred_date,
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date) as occurred_month,
        occurred_at,
        updated_at,
        _loaded_at
    from activities
)

select * from activities_dated
