{{
    config(
        materialized='incremental',
        unique_key='response_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_csat_responses_validated', 'response_id'
        ) }}",
    )
}}
{#
    Grain: one row per CSAT survey response (latest version, not deleted, not
    flagged: its account is in staging). The rows of
    int_csat_responses_validated, built incrementally. No comment: the free
    text may hold personal data and stays in staging.
#}
with

csat_responses as (
    select * from {{ ref('int_csat_responses_validated') }}
),

final as (
    select *
    from csat_responses
    {{ incremental_fact_filter('csat_responses', 'response_id') }}
)

select * from final  -- noqa: AM04
