{#
    Join condition of the FX rule (METRICS.md, Conventions): the row of
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
