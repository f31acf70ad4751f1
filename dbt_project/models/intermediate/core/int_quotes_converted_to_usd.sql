{{ config(materialized='table') }}

{#
    Staged quotes with their FX rate: usd_per_unit on or before the
    decided date, or the created date while the quote is open
    (docs/metrics.md (Conventions)).
    fx_rate_usd is null when the currency has no rate on or before that date
    (flagged as missing_fx_rate).
#}
with

quotes as (
    select * from {{ ref('stg_quotes') }}
),

quotes_with_fx_date as (
    select
        quotes.*,
        coalesce(quotes.decided_date, quotes.created_date) as fx_date
    from quotes
),

fx_rates as (
    {{ fx_rates_of_dates('quotes_with_fx_date', 'currency', 'fx_date') }}
),

quotes_joined_to_fx_rates as (
    select
        quotes_with_fx_date.*,
        fx_rates.usd_per_unit as fx_rate_usd,
        fx_rates._loaded_at as fx_loaded_at
    from quotes_with_fx_date
    left join fx_rates
        on
            fx_rates.currency = quotes_with_fx_date.currency
            and fx_rates.fx_date = quotes_with_fx_date.fx_date
)

select * from quotes_joined_to_fx_rates  -- noqa: AM04
