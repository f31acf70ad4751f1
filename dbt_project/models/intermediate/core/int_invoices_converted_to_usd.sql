{{
    config(
        materialized='incremental',
        unique_key='invoice_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in('stg_invoices', 'invoice_id') }}",
    )
}}

{#
    Staged invoices with their FX rate (usd_per_unit on or before issued_date;
    drafts without issued_date use the date of updated_at) and
    total_amount_usd. fx_rate_usd is null when no rate applies (flagged as
    missing_fx_rate). total_amount_usd keeps full precision
    (decimal(38, 10)). _source_loaded_at: the later load time of the invoice
    and its rate. Incremental per invoice (macros/row_increment.sql): a run
    converts again the invoices loaded since, and those an FX rate loaded
    since may apply to.
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

invoices_to_convert as (
    select *
    from invoices_with_fx_date
    {{ rows_changed_since([
        loaded_since_watermark('invoices_with_fx_date._loaded_at'),
        fx_rate_loaded_since(
            'invoices_with_fx_date.currency', 'invoices_with_fx_date.fx_date'
        ),
    ]) }}
),

fx_rates as (
    {{ fx_rates_of_dates('invoices_to_convert', 'currency', 'fx_date') }}
),

invoices_joined_to_fx_rates as (
    select
        invoices_to_convert.*,
        fx_rates.usd_per_unit as fx_rate_usd,
        cast(
            invoices_to_convert.total_amount * fx_rates.usd_per_unit
            as decimal(38, 10)
        ) as total_amount_usd,
        fx_rates._loaded_at as fx_loaded_at,
        {{ greatest_of([
            'invoices_to_convert._loaded_at', 'fx_rates._loaded_at'
        ]) }} as _source_loaded_at,
        invoices_to_convert.invoice_status in ('open', 'paid', 'uncollectible')
            as is_billable
    from invoices_to_convert
    left join fx_rates
        on
            fx_rates.currency = invoices_to_convert.currency
            and fx_rates.fx_date = invoices_to_convert.fx_date
)

select * from invoices_joined_to_fx_rates  -- noqa: AM04
