{#
    exact_sum(expression): the sum of a floating-point expression (money, a rate)
    that does not depend on the order of its rows. Each value is taken at 10
    decimals (a DECIMAL(38, 10): exact, at most 5e-11 from the double), the values
    are summed exactly, and the sum is returned as a double. A plain sum of doubles
    taken in another order (an incremental run, another thread count, another plan)
    differs in its last digits.

    exact_avg(expression): exact_sum / the count of non-null values (null when
    there is none).
#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as {{ type_exact_decimal() }})) as {{ type_double() }})
{%- endmacro %}

{% macro exact_avg(expression) -%}
    {{ exact_sum(expression) }} / nullif(count({{ expression }}), 0)
{%- endmacro %}

{% macro type_exact_decimal() -%}
    decimal(38, 10)
{%- endmacro %}
