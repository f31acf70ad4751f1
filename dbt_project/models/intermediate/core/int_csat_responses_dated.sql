{{ config(materialized='view') }}

{#
    Staged CSAT responses with responded_month, the first day of the UTC
    month of responded_at, so that the monthly numbers join months on
    equality. One row per staged response (latest version, deleted versions
    removed), flagged ones included. A view over the staging table. No
    comment: the free text (personal data) stays in staging.
#}
with

csat_responses as (
    select
        response_id,
        account_id,
        score,
        responded_date,
        responded_at,
        updated_at,
        _loaded_at
    from {{ ref('stg_csat_responses') }}
),

csat_responses_dated as (
    select
        response_id,
        account_id,
        score,
        responded_date,
        cast(
            {{ dbt.date_trunc('month', 'responded_date') }} as date
        ) as responded_month,
        responded_at,
        updated_at,
        _loaded_at
    from csat_responses
)

select * from csat_responses_dated
