{#
    Activities that pass validation: the rows of int_activities_dated not in
    int_records_excluded (not flagged: an account, lead or quote not in
    staging; and neither their quote nor their lead excluded), with the
    columns of fct_activities and _source_loaded_at, the load time of the row
    (an activity's columns come from its own row only). What fct_activities
    holds after each build, and what the activity metric models read instead
    of the incremental fact. A view: a filter on a table.
#}
with

activities as (
    select * from {{ ref('int_activities_dated') }}
),

activities_validated as (
    select
        activity_id,
        owner_rep_id,
        account_id,
        lead_id,
        quote_id,
        activity_type,
        occurred_date,
        occurred_month,
        occurred_at,
        updated_at,
        _loaded_at as _source_loaded_at
    from activities
    where {{ is_not_excluded('activities', 'activities.activity_id') }}
)

select * from activities_validated
