{#
    Leads that pass validation: the rows of int_leads_classified not in
    int_records_excluded (not flagged: a converted_account_id not in staging),
    with the columns of fct_leads and _source_loaded_at, the load time of the
    row (a lead's columns come from its own row only). What fct_leads holds
    after each build, and what the lead metric models read instead of the
    incremental fact. A view: a filter on a table.
#}
with

leads as (
    select * from {{ ref('int_leads_classified') }}
),

leads_validated as (
    select
        lead_id,
        owner_rep_id,
        converted_account_id,
        source_channel,
        lead_status,
        days_to_convert,
        is_qualified,
        is_converted,
        created_date,
        qualified_date,
        converted_date,
        created_month,
        converted_month,
        created_at,
        qualified_at,
        converted_at,
        updated_at,
        _loaded_at as _source_loaded_at
    from leads
    where {{ is_not_excluded('leads', 'leads.lead_id') }}
)

select * from leads_validated
