{{
    config(
        materialized='incremental',
        unique_key='invoice_line_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in('stg_invoice_lines', 'invoice_line_id') }}",
    )
}}

{#
    Staged invoice lines with their invoice's columns (account, quote, status,
    currency, issued date, FX rate), their product's pricing model, amount_usd
    at the invoice's rate (full precision, decimal(38, 10)) and service_months
    (months_in_period of [period_start, period_end), docs/metrics.md (Billing:
    MRR and its movements); null without a period). Left joins: lines of
    missing invoices or products keep nulls and are flagged.
#}
with

staged_invoice_lines as (
    select * from {{ ref('stg_invoice_lines') }}
),

invoice_lines as (
    select *
    from staged_invoice_lines
    {{ rows_changed_since([
        loaded_since_watermark('staged_invoice_lines._loaded_at'),
        converted_since(
            'int_invoices_converted_to_usd',
            'invoice_id',
            'staged_invoice_lines.invoice_id',
        ),
        keys_loaded_since('invoices', 'invoice_id', 'staged_invoice_lines.invoice_id'),
        keys_loaded_since('products', 'product_id', 'staged_invoice_lines.product_id'),
    ]) }}
),

invoices as (
    select
        invoice_id,
        account_id,
        quote_id,
        invoice_status,
        currency,
        fx_rate_usd,
        is_billable,
        issued_date,
        _source_loaded_at
    from {{ ref('int_invoices_converted_to_usd') }}
),

products as (
    select
        product_id,
        pricing_model,
        _loaded_at
    from {{ ref('stg_products') }}
),

invoice_lines_joined as (
    select
        invoice_lines.invoice_line_id,
        invoice_lines.invoice_id,
        invoices.account_id,
        invoices.quote_id,
        invoice_lines.product_id,
        products.pricing_model,
        invoices.invoice_status,
        invoices.currency,
        invoice_lines.description,
        invoice_lines.quantity,
        invoice_lines.unit_amount,
        invoice_lines.amount,
        invoices.fx_rate_usd,
        cast(
            invoice_lines.amount * invoices.fx_rate_usd as decimal(38, 10)
        ) as amount_usd,
        case
            when
                invoice_lines.period_start is not null
                and invoice_lines.period_end is not null
                then {{ months_in_period(
                    'invoice_lines.period_start', 'invoice_lines.period_end'
                ) }}
        end as service_months,
        invoices.is_billable,
        invoices.issued_date,
        invoice_lines.period_start,
        invoice_lines.period_end,
        invoice_lines.updated_at,
        invoice_lines._loaded_at,
        {{ greatest_of([
            'invoice_lines._loaded_at',
            'invoices._source_loaded_at',
            'products._loaded_at',
        ]) }} as _source_loaded_at
    from invoice_lines
    left join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
    left join products
        on invoice_lines.product_id = products.product_id
)

select * from invoice_lines_joined
