{{ config(materialized='table') }}

{#
    The current set of unresolved or inconsistent rows (docs/landing-contract.md,
    bad rows of the second kind): one row per entity, record_key and reason, with a
    readable detail. Reasons: orphan_reference, missing_fx_rate,
    currency_mismatch, account_mismatch, total_mismatch. Leads, activities,
    CSAT responses and product usage are flagged only for references not (yet)
    in staging: a lead converted into an account that has not landed, an
    activity on an unknown account, lead or quote, a response of an unknown
    account, usage of an unknown account or product (its record_key is
    account_id|product_id|month, see the record_key macro). Recomputed from the
    current staging data on every run, so a flag disappears as soon as later
    data resolves it; audit.flagged_history keeps when each was first seen.
    Lines are read from the int_*_converted_to_usd tables (one row per staged
    line, left joins), leads, activities, responses and usage from
    int_leads_classified, int_activities_dated, int_csat_responses_dated and
    int_product_usage_keyed (one row per staged row each).
#}
with

accounts as (
    select account_id from {{ ref('stg_accounts') }}
),

products as (
    select product_id from {{ ref('stg_products') }}
),

quotes as (
    select
        quote_id,
        account_id,
        currency,
        fx_date,
        fx_rate_usd
    from {{ ref('int_quotes_converted_to_usd') }}
),

quote_lines as (
    select
        quote_line_id,
        quote_id,
        product_id
    from {{ ref('int_quote_lines_converted_to_usd') }}
),

invoices as (
    select
        invoice_id,
        account_id,
        quote_id,
        currency,
        total_amount,
        fx_date,
        fx_rate_usd
    from {{ ref('int_invoices_converted_to_usd') }}
),

invoice_lines as (
    select
        invoice_line_id,
        invoice_id,
        product_id,
        amount
    from {{ ref('int_invoice_lines_converted_to_usd') }}
),

payments as (
    select
        payment_id,
        invoice_id,
        payment_account_id,
        invoice_account_id,
        currency,
        invoice_currency,
        received_date,
        fx_rate_usd
    from {{ ref('int_payments_converted_to_usd') }}
),

leads as (
    select
        lead_id,
        converted_account_id
    from {{ ref('int_leads_classified') }}
),

activities as (
    select
        activity_id,
        account_id,
        lead_id,
        quote_id
    from {{ ref('int_activities_dated') }}
),

csat_responses as (
    select
        response_id,
        account_id
    from {{ ref('int_csat_responses_dated') }}
),

product_usage as (
    select
        account_id,
        product_id,
        month  -- noqa: RF04
    from {{ ref('int_product_usage_keyed') }}
),

quotes_without_account as (
    {{ orphan_flags(
        'quotes', 'quotes', 'quote_id', 'account_id', 'accounts', 'account_id'
    ) }}
),

quotes_without_fx_rate as (
    {{ missing_fx_rate_flags('quotes', 'quotes', 'quote_id', 'fx_date') }}
),

quote_lines_without_quote as (
    {{ orphan_flags(
        'quote_lines', 'quote_lines', 'quote_line_id', 'quote_id', 'quotes', 'quote_id'
    ) }}
),

quote_lines_without_product as (
    {{ orphan_flags(
        'quote_lines', 'quote_lines', 'quote_line_id',
        'product_id', 'products', 'product_id',
    ) }}
),

invoices_without_account as (
    {{ orphan_flags(
        'invoices', 'invoices', 'invoice_id', 'account_id', 'accounts', 'account_id'
    ) }}
),

invoices_without_quote as (
    {{ orphan_flags(
        'invoices', 'invoices', 'invoice_id', 'quote_id', 'quotes', 'quote_id'
    ) }}
),

invoices_without_fx_rate as (
    {{ missing_fx_rate_flags('invoices', 'invoices', 'invoice_id', 'fx_date') }}
),

invoice_line_totals as (
    select
        invoice_id,
        sum(amount) as lines_amount
    from invoice_lines
    group by invoice_id
),

invoices_with_total_mismatch as (
    select
        'invoices' as entity,
        invoices.invoice_id as record_key,
        'total_mismatch' as reason,
        'total_amount ' || cast(invoices.total_amount as {{ dbt.type_string() }})
        || ' differs from the sum of its lines '
        || cast(
            coalesce(invoice_line_totals.lines_amount, 0) as {{ dbt.type_string() }}
        ) as detail
    from invoices
    left join invoice_line_totals
        on invoices.invoice_id = invoice_line_totals.invoice_id
    where abs(
        invoices.total_amount - coalesce(invoice_line_totals.lines_amount, 0)
    ) > 0.01
),

invoice_lines_without_invoice as (
    {{ orphan_flags(
        'invoice_lines', 'invoice_lines', 'invoice_line_id',
        'invoice_id', 'invoices', 'invoice_id',
    ) }}
),

invoice_lines_without_product as (
    {{ orphan_flags(
        'invoice_lines', 'invoice_lines', 'invoice_line_id',
        'product_id', 'products', 'product_id',
    ) }}
),

payments_without_invoice as (
    {{ orphan_flags(
        'payments', 'payments', 'payment_id', 'invoice_id', 'invoices', 'invoice_id'
    ) }}
),

payments_without_account as (
    {{ orphan_flags(
        'payments', 'payments', 'payment_id',
        'payment_account_id', 'accounts', 'account_id', label='account_id',
    ) }}
),

payments_without_fx_rate as (
    {{ missing_fx_rate_flags('payments', 'payments', 'payment_id', 'received_date') }}
),

payments_with_currency_mismatch as (
    select
        'payments' as entity,
        payment_id as record_key,
        'currency_mismatch' as reason,
        'currency ' || currency || ' differs from the invoice currency '
        || invoice_currency as detail
    from payments
    where currency <> invoice_currency
),

payments_with_account_mismatch as (
    select
        'payments' as entity,
        payment_id as record_key,
        'account_mismatch' as reason,
        'account_id ' || payment_account_id || ' differs from the invoice account '
        || invoice_account_id as detail
    from payments
    where payment_account_id <> invoice_account_id
),

leads_without_account as (
    {{ orphan_flags(
        'leads', 'leads', 'lead_id', 'converted_account_id', 'accounts', 'account_id'
    ) }}
),

activities_without_account as (
    {{ orphan_flags(
        'activities', 'activities', 'activity_id', 'account_id', 'accounts', 'account_id'
    ) }}
),

activities_without_lead as (
    {{ orphan_flags(
        'activities', 'activities', 'activity_id', 'lead_id', 'leads', 'lead_id'
    ) }}
),

activities_without_quote as (
    {{ orphan_flags(
        'activities', 'activities', 'activity_id', 'quote_id', 'quotes', 'quote_id'
    ) }}
),

csat_responses_without_account as (
    {{ orphan_flags(
        'csat_responses', 'csat_responses', 'response_id',
        'account_id', 'accounts', 'account_id',
    ) }}
),

product_usage_without_account as (
    {{ orphan_flags(
        'product_usage', 'product_usage', ['account_id', 'product_id', 'month'],
        'account_id', 'accounts', 'account_id',
    ) }}
),

product_usage_without_product as (
    {{ orphan_flags(
        'product_usage', 'product_usage', ['account_id', 'product_id', 'month'],
        'product_id', 'products', 'product_id',
    ) }}
),

unioned as (
    {%- set ctes = [
        'quotes_without_account',
        'quotes_without_fx_rate',
        'quote_lines_without_quote',
        'quote_lines_without_product',
        'invoices_without_account',
        'invoices_without_quote',
        'invoices_without_fx_rate',
        'invoices_with_total_mismatch',
        'invoice_lines_without_invoice',
        'invoice_lines_without_product',
        'payments_without_invoice',
        'payments_without_account',
        'payments_without_fx_rate',
        'payments_with_currency_mismatch',
        'payments_with_account_mismatch',
        'leads_without_account',
        'activities_without_account',
        'activities_without_lead',
        'activities_without_quote',
        'csat_responses_without_account',
        'product_usage_without_account',
        'product_usage_without_product',
    ] %}
    {% for cte in ctes %}
        select
            entity,
            record_key,
            reason,
            detail
        from {{ cte }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        entity,
        record_key,
        reason,
        {{ dbt.listagg(
            'detail', "'; '", 'order by ' ~ binary_collated('detail')
        ) }} as detail
    from unioned
    group by
        entity,
        record_key,
        reason
)

select * from final
