{#
    Grain: one row per currency code used by a product, quote, invoice,
    payment or FX rate, plus USD (the reporting currency). Quotes, invoices
    and payments are read from their int_*_converted_to_usd tables (one row
    per staged row), so raw is not deduplicated once more.
#}
with

fx_rates as (
    select
        currency,
        rate_date,
        usd_per_unit
    from {{ ref('stg_fx_rates') }}
    where currency <> 'USD'
),

used_currencies as (
    select 'USD' as currency
    union
    select currency from fx_rates
    union
    select currency from {{ ref('stg_products') }}
    union
    select currency from {{ ref('int_quotes_converted_to_usd') }}
    union
    select currency from {{ ref('int_invoices_converted_to_usd') }}
    union
    select currency from {{ ref('int_payments_converted_to_usd') }}
),

rate_ranges as (
    select
        currency,
        count(*) as rate_count,
        min(rate_date) as first_rate_date,
        max(rate_date) as last_rate_date
    from fx_rates
    group by currency
),

latest_rates as (
    select
        fx_rates.currency,
        fx_rates.usd_per_unit
    from fx_rates
    inner join rate_ranges
        on
            fx_rates.currency = rate_ranges.currency
            and fx_rates.rate_date = rate_ranges.last_rate_date
),

final as (
    select
        used_currencies.currency,
        rate_ranges.first_rate_date,
        rate_ranges.last_rate_date,
        case
            when used_currencies.currency = 'USD' then cast(1 as decimal(18, 4))
            else latest_rates.usd_per_unit
        end as latest_usd_per_unit,
        coalesce(rate_ranges.rate_count, 0) as rate_count,
        used_currencies.currency = 'USD' as is_reporting_currency,
        used_currencies.currency = 'USD'
        or rate_ranges.currency is not null as has_fx_rates
    from used_currencies
    left join rate_ranges
        on used_currencies.currency = rate_ranges.currency
    left join latest_rates
        on used_currencies.currency = latest_rates.currency
)

select * from final
