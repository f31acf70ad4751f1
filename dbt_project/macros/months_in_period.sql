{#
    `months_in_period` (docs/metrics.md (Billing: MRR and its movements)) of a
    service period [start, end): m + r / 30, where m is the largest whole
    number of months with start + m months <= end (adding months clamps to
    the end of a shorter month: 2025-01-31 + 1 month = 2025-02-28) and r the
    days left from start + m months to end. Examples: 2025-01-01 -> 2025-04-01 is 3,
    2025-01-01 -> 2025-01-16 is 0.5, 2025-01-31 -> 2025-02-28 is 1.
    `dbt.datediff(.., 'month')` counts month boundaries, which is m or m + 1;
    the case expression takes one off when start + that many months is past
    end. Returns a float (r / 30 is not a finite decimal).
#}
{% macro months_in_period(start_date, end_date) -%}
    {%- set boundaries = dbt.datediff(start_date, end_date, 'month') -%}
    {%- set whole_months -%}
        (case
            when cast({{ dbt.dateadd('month', boundaries, start_date) }} as date)
                > {{ end_date }}
                then {{ boundaries }} - 1
            else {{ boundaries }}
        end)
    {%- endset -%}
    (
        cast({{ whole_months }} as {{ type_double() }})
        + cast(
            {{ dbt.datediff(
                'cast(' ~ dbt.dateadd('month', whole_months, start_date) ~ ' as date)',
                end_date,
                'day',
            ) }} as {{ type_double() }}
        ) / 30
    )
{%- endmacro %}
