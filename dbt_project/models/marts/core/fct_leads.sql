{{
    config(
        materialized='incremental',
        unique_key='lead_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_leads_validated', 'lead_id'
        ) }}",
    )
}}
{#
    Grain: one row per lead (latest version, not deleted, not flagged).
    The rows of int_leads_validated, built incrementally. Whether a converted
    lead pays depends on the account's MRR up to the as-of month, not on the
    lead's row: the lead metric models work it out, the fact does not keep it.
#}
with

leads as (
    select * from {{ ref('int_leads_validated') }}
),

final as (
    select *
    from leads
    {{ incremental_fact_filter('leads', 'lead_id') }}
)

select * from final  -- noqa: AM04
