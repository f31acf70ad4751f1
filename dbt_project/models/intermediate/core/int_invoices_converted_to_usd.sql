{{ config(materialized='table') }}

{#
    Staged invoices with their FX rate (usd_per_unit on or before issued_date;
    drafts without issued_date use the date of updated_at) and
    total_amount_usd. fx_rate_usd is null when no rate applies (flagged as
    missing_fx_rate). total_amount_usd keeps full precision
    (decimal(38, 10)).
#}
with

invoices as (
    select * from {{ ref('stg_invoices') }}
),

invoices_with_fx_date as (
    select
        invoices.*,
        coalesce(invoices.issued_date, cast(invoices.updated_at as date)) as fx_date
    from invoices
),

fx_rates as (
    {{ fx_rates_of_dates('invoices_with_fx_date', 'currency', 'fx_date') }}
),

invoices_joined_to_fx_rates as (
    select
        invoices_with_fx_date.*,
        fx_rates.usd_per_unit as fx_rate_usd,
        cast(
            invoices_with_fx_date.total_amount * fx_rates.usd_per_unit
            as decimal(38, 10)
        ) as total_amount_usd,
        fx_rates._loaded_at as fx_loaded_at,
        invoices_with_fx_date.invoice_status in ('open', 'paid', 'uncollectible')
            as is_billable
    from invoices_with_fx_date
    left join fx_rates
        on
            fx_rates.currency = invoices_with_fx_date.currency
            and fx_rates.fx_date = invoices_with_fx_date.fx_date
)

select * from invoices_joined_to_fx_rates  -- noqa: AM04
