{#
    One row per currency and rate_date with the range of dates the rate
    applies to under the FX rule (docs/metrics.md (Conventions)): [valid_from,
    valid_to), where valid_to is the next rate_date of the currency (null for
    the latest). USD is added with rate 1 from 1900-01-01 (USD rows in
    fx_rates are ignored: USD is 1 by definition).
#}
with

fx_rates as (
    select
        currency,
        rate_date,
        usd_per_unit,
        _loaded_at
    from {{ ref('stg_fx_rates') }}
    where currency <> 'USD'
),

fx_rates_ranged as (
    select
        currency,
        usd_per_unit,
        rate_date as valid_from,
        _loaded_at,
        lead(rate_date) over (
            partition by currency
            order by rate_date
        ) as valid_to
    from fx_rates
),

usd_rate as (
    select
        'USD' as currency,
        cast(1 as decimal(18, 4)) as usd_per_unit,
        cast('1900-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        cast(null as timestamp) as _loaded_at
),

final as (
    select
        currency,
        usd_per_unit,
        valid_from,
        valid_to,
        _loaded_at
    from fx_rates_ranged
    union all
    select
        currency,
        usd_per_unit,
        valid_from,
        valid_to,
        _loaded_at
    from usd_rate
)

select * from final
