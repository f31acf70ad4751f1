{{
    config(
        materialized='incremental',
        unique_key='response_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('csat_responses', 'response_id') }}",
    )
}}
{#
    Grain: one row per CSAT survey response (latest version, not deleted, not
    flagged: its account is in staging). The rows of
    int_csat_responses_validated, built incrementally. No comment: the free
    text may hold personal data and stays in staging.
#}
with

final as (
    {{ incremental_fact_rows('csat_responses', 'response_id') }}
)

select * from final  -- noqa: AM04
