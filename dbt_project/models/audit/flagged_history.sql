{{
    config(
        materialized='incremental',
        unique_key=['entity', 'record_key', 'reason'],
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='append_new_columns',
        full_refresh=false,
        pre_hook=['{{ drop_previous_rows() }}', '{{ copy_previous_rows() }}'],
        post_hook='{{ drop_previous_rows() }}',
    )
}}
{#
    Grain: one row per entity, record_key and reason ever flagged. Each run
    merges the current flags (int_records_flagged) into the history:
    first_seen_at is kept from the first run that saw the flag, last_seen_at
    is the latest run that saw it, and a flag no longer present is marked
    is_resolved with resolved_at. A flag that comes back is open again with
    its original first_seen_at. full_refresh=false: `--full-refresh` keeps
    the history. The earlier rows are read from previous_rows() (this table;
    a copy of it on Spark, where the run rewrites the whole table).
#}
{%- set run_at = run_started_timestamp() %}
with

current_flags as (
    select
        entity,
        record_key,
        reason,
        detail
    from {{ ref('int_records_flagged') }}
),

{% if is_incremental() %}
    history as (
        select
            entity,
            record_key,
            reason,
            detail,
            first_seen_at,
            last_seen_at,
            resolved_at
        from {{ previous_rows() }}
    ),

    flags_merged as (
        select
            coalesce(current_flags.entity, history.entity) as entity,
            coalesce(current_flags.record_key, history.record_key) as record_key,
            coalesce(current_flags.reason, history.reason) as reason,
            coalesce(current_flags.detail, history.detail) as detail,
            current_flags.entity is null as is_resolved,
            coalesce(history.first_seen_at, {{ run_at }}) as first_seen_at,
            case
                when current_flags.entity is not null then {{ run_at }}
                else history.last_seen_at
            end as last_seen_at,
            case
                when current_flags.entity is null
                    then coalesce(history.resolved_at, {{ run_at }})
            end as resolved_at
        from current_flags
        full outer join history
            on
                current_flags.entity = history.entity
                and current_flags.record_key = history.record_key
                and current_flags.reason = history.reason
    )
{% else %}
    flags_merged as (
        select
            entity,
            record_key,
            reason,
            detail,
            false as is_resolved,
            {{ run_at }} as first_seen_at,
            {{ run_at }} as last_seen_at,
            cast(null as {{ dbt.type_timestamp() }}) as resolved_at
        from current_flags
    )
{% endif %}

select * from flags_merged
