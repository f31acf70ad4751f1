{{
    config(
        materialized='incremental',
        unique_key='quote_id',
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_keys_not_in('stg_quotes', 'quote_id') }}",
    )
}}

{#
    Staged quotes with their FX rate: usd_per_unit on or before the
    decided date, or the created date while the quote is open
    (docs/metrics.md (Conventions)).
    fx_rate_usd is null when the currency has no rate on or before that date
    (flagged as missing_fx_rate). _source_loaded_at: the later load time of
    the quote and its rate. Incremental per quote (macros/row_increment.sql):
    a run converts again the quotes loaded since, and those an FX rate loaded
    since may apply to.
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

quotes_to_convert as (
    select *
    from quotes_with_fx_date
    {{ rows_changed_since([
        loaded_since_watermark('quotes_with_fx_date._loaded_at'),
        fx_rate_loaded_since(
            'quotes_with_fx_date.currency', 'quotes_with_fx_date.fx_date'
        ),
    ]) }}
),

fx_rates as (
    {{ fx_rates_of_dates('quotes_to_convert', 'currency', 'fx_date') }}
),

quotes_joined_to_fx_rates as (
    select
        quotes_to_convert.*,
        fx_rates.usd_per_unit as fx_rate_usd,
        fx_rates._loaded_at as fx_loaded_at,
        {{ greatest_of([
            'quotes_to_convert._loaded_at', 'fx_rates._loaded_at'
        ]) }} as _source_loaded_at
    from quotes_to_convert
    left join fx_rates
        on
            fx_rates.currency = quotes_to_convert.currency
            and fx_rates.fx_date = quotes_to_convert.fx_date
)

select * from quotes_joined_to_fx_rates  -- noqa: AM04
