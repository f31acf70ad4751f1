{#
    Grain: one row per entity, record_key and reason currently flagged: the
    open rows of flagged_history, with the time each flag was first seen.
    Resolved flags leave this view and stay in flagged_history.
#}
with

flagged_history as (
    select * from {{ ref('flagged_history') }}
),

final as (
    select
        entity,
        record_key,
        reason,
        detail,
        first_seen_at
    from flagged_history
    where not is_resolved
)

select * from final
