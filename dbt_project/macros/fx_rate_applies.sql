{#
    Join condition of the FX rule (docs/metrics.md (Conventions)): the row of
    `int_fx_rates_ranged` (aliased `fx_alias`) whose validity range
    [valid_from, valid_to) holds the amount's date, i.e. the latest rate_date
    on or before it. USD has one row valid from 1900-01-01 at rate 1.
#}
{% macro fx_rate_applies(fx_alias, currency_column, date_column) -%}
    {{ fx_alias }}.currency = {{ currency_column }}
    and {{ date_column }} >= {{ fx_alias }}.valid_from
    and (
        {{ fx_alias }}.valid_to is null
        or {{ date_column }} < {{ fx_alias }}.valid_to
    )
{%- endmacro %}

{#
    The FX rate (usd_per_unit, _loaded_at) of each distinct (currency, date)
    pair of `relation`: the range join of fx_rate_applies runs on these few
    thousand pairs instead of on every row, and the rows then join back on
    equality (`currency_column` = currency and `date_column` = fx_date).
    Pairs without a rate are left out (the left join back yields null).
#}
{% macro fx_rates_of_dates(relation, currency_column, date_column) -%}
    select
        fx_dates.currency,
        fx_dates.fx_date,
        fx_rates_ranged.usd_per_unit,
        fx_rates_ranged._loaded_at
    from (
        select distinct
            {{ currency_column }} as currency,
            {{ date_column }} as fx_date
        from {{ relation }}
    ) as fx_dates
    inner join {{ ref('int_fx_rates_ranged') }} as fx_rates_ranged
        on {{ fx_rate_applies('fx_rates_ranged', 'fx_dates.currency', 'fx_dates.fx_date') }}
{%- endmacro %}
