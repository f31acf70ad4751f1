{{
    config(
        materialized='incremental',
        unique_key='activity_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_fact_rows_left_out('activities', 'activity_id') }}",
    )
}}
{#
    Grain: one row per activity (latest version, not deleted, not flagged,
    its quote and lead not excluded). The rows of int_activities_validated,
    built incrementally.
#}
with

final as (
    {{ incremental_fact_rows('activities', 'activity_id') }}
)

select * from final  -- noqa: AM04
