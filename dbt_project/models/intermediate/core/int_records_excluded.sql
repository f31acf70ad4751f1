{{ config(materialized='table') }}

{#
    Every row left out of the facts: the rows flagged in int_records_flagged
    and the children of excluded parents (quote -> quote_lines, quote ->
    invoices, invoice -> invoice_lines and payments, quote or lead ->
    activities). One row per entity and record_key; is_flagged is false for
    rows excluded only through a parent, and excluded_by names that parent
    ('<entity> <key>'; an activity whose quote and lead are both excluded
    names both, joined by '; '). CSAT responses and product usage have no
    parent that can be excluded (accounts and products never are): they are
    here only when flagged; a usage row's record_key is
    account_id|product_id|month (record_key macro). The rows come from the
    int_*_converted_to_usd tables and int_activities_dated (one row per
    staged row).
#}
with

flagged as (
    select distinct
        entity,
        record_key
    from {{ ref('int_records_flagged') }}
),

quote_lines as (
    select
        quote_line_id,
        quote_id
    from {{ ref('int_quote_lines_converted_to_usd') }}
),

invoices as (
    select
        invoice_id,
        quote_id
    from {{ ref('int_invoices_converted_to_usd') }}
),

invoice_lines as (
    select
        invoice_line_id,
        invoice_id
    from {{ ref('int_invoice_lines_converted_to_usd') }}
),

payments as (
    select
        payment_id,
        invoice_id
    from {{ ref('int_payments_converted_to_usd') }}
),

activities as (
    select
        activity_id,
        lead_id,
        quote_id
    from {{ ref('int_activities_dated') }}
),

quotes_excluded as (
    select record_key as quote_id
    from flagged
    where entity = 'quotes'
),

invoices_excluded_by_quote as (
    select
        invoices.invoice_id,
        invoices.quote_id
    from invoices
    inner join quotes_excluded
        on invoices.quote_id = quotes_excluded.quote_id
),

invoices_excluded as (
    select record_key as invoice_id
    from flagged
    where entity = 'invoices'
    union
    select invoice_id
    from invoices_excluded_by_quote
),

leads_excluded as (
    select record_key as lead_id
    from flagged
    where entity = 'leads'
),

activities_of_excluded_parents as (
    select
        activities.activity_id,
        'quotes ' || activities.quote_id as excluded_by
    from activities
    inner join quotes_excluded
        on activities.quote_id = quotes_excluded.quote_id
    union all
    select
        activities.activity_id,
        'leads ' || activities.lead_id as excluded_by
    from activities
    inner join leads_excluded
        on activities.lead_id = leads_excluded.lead_id
),

activities_excluded_by_parents as (
    select
        activity_id,
        {{ dbt.listagg(
            'excluded_by', "'; '", 'order by ' ~ binary_collated('excluded_by')
        ) }} as excluded_by
    from activities_of_excluded_parents
    group by activity_id
),

children_of_excluded_parents as (
    select
        'quote_lines' as entity,
        quote_lines.quote_line_id as record_key,
        'quotes ' || quote_lines.quote_id as excluded_by
    from quote_lines
    inner join quotes_excluded
        on quote_lines.quote_id = quotes_excluded.quote_id
    union all
    select
        'invoices' as entity,
        invoice_id as record_key,
        'quotes ' || quote_id as excluded_by
    from invoices_excluded_by_quote
    union all
    select
        'invoice_lines' as entity,
        invoice_lines.invoice_line_id as record_key,
        'invoices ' || invoice_lines.invoice_id as excluded_by
    from invoice_lines
    inner join invoices_excluded
        on invoice_lines.invoice_id = invoices_excluded.invoice_id
    union all
    select
        'payments' as entity,
        payments.payment_id as record_key,
        'invoices ' || payments.invoice_id as excluded_by
    from payments
    inner join invoices_excluded
        on payments.invoice_id = invoices_excluded.invoice_id
    union all
    select
        'activities' as entity,
        activity_id as record_key,
        excluded_by
    from activities_excluded_by_parents
),

final as (
    select
        children.excluded_by,
        coalesce(flagged.entity, children.entity) as entity,
        coalesce(flagged.record_key, children.record_key) as record_key,
        flagged.record_key is not null as is_flagged
    from flagged
    full outer join children_of_excluded_parents as children
        on
            flagged.entity = children.entity
            and flagged.record_key = children.record_key
)

select * from final
