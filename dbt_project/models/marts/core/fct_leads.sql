{{
    config(
        materialized='incremental',
        unique_key='lead_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('leads', 'lead_id') }}",
    )
}}
{#
    Grain: one row per lead (latest version, not deleted, not flagged).
    The rows of int_leads_validated, built incrementally. Whether a converted
    lead pays depends on the account's MRR up to the as-of month, not on the
    lead's row: the lead metric models work it out, the fact does not keep it.
#}
with

final as (
    {{ incremental_fact_rows('leads', 'lead_id') }}
)

select * from final  -- noqa: AM04
