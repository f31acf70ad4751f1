{{
    config(
        materialized='incremental',
        unique_key=['entity', 'record_key'],
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        full_refresh=false,
        pre_hook=['{{ drop_previous_rows() }}', '{{ copy_previous_rows() }}'],
        post_hook='{{ drop_previous_rows() }}',
    )
}}
{#
    Every row int_records_excluded has held in any build since this table was
    made, with the start of the first run that saw it excluded. Grain: one row
    per entity and record_key; a row stays when its exclusion ends.

    The incremental facts read it (incremental_fact_rows, macros/fact_helpers.sql):
    a row that becomes valid again (its flag resolved, its excluded parent
    valid again) may carry no new load time, and it is among these keys. The
    facts trust it only once it holds a row of an earlier run: a table made in
    this run (a new warehouse, or one built before this table existed) knows
    nothing of the exclusions at the facts' last build. full_refresh=false:
    `--full-refresh` keeps it, which only widens what the facts look at. It is
    built with int_records_excluded in every run that builds the facts, as
    long as the selection keeps them together (`int_records_excluded+`).

    The earlier rows are read from previous_rows() (this table; a copy of it
    on Spark, where the run rewrites the whole table). The table is small: the
    rows flagged at some time and their children.
#}
with

excluded_now as (
    select
        entity,
        record_key,
        {{ run_started_timestamp() }} as first_excluded_at
    from {{ ref('int_records_excluded') }}
),

{% if is_incremental() %}
    recorded as (
        select
            entity,
            record_key,
            first_excluded_at
        from {{ previous_rows() }}
    ),

    once_excluded as (
        select * from recorded
        union all
        select * from excluded_now
        where not exists (
            select 1
            from recorded
            where
                recorded.entity = excluded_now.entity
                and recorded.record_key = excluded_now.record_key
        )
    )
{% else %}
    once_excluded as (
        select * from excluded_now
    )
{% endif %}

select * from once_excluded
