{{
    config(
        materialized='incremental',
        unique_key='activity_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in(
            'int_activities_validated', 'activity_id'
        ) }}",
    )
}}
{#
    Grain: one row per activity (latest version, not deleted, not flagged,
    its quote and lead not excluded). The rows of int_activities_validated,
    built incrementally.
#}
with

activities as (
    select * from {{ ref('int_activities_validated') }}
),

final as (
    select *
    from activities
    {{ incremental_fact_filter('activities', 'activity_id') }}
)

select * from final  -- noqa: AM04
