{#
    Grain: one row per calendar day from var date_spine_start to
    date_spine_end. The fiscal year starts in month var
    fiscal_year_start_month (1 = calendar year) and is named after the
    calendar year in which it ends.
#}
{%- set fiscal_start = var('fiscal_year_start_month', 1) | int -%}
with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('date_spine_start', '2015-01-01') ~ "' as date)",
        "cast('" ~ var('date_spine_end', '2035-12-31') ~ "' as date)",
    ) }}
),

days_typed as (
    select cast(date_day as date) as date_day
    from days
),

calendar as (
    select
        date_day,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month,  -- noqa: RF04
        cast(
            {{ dbt.date_trunc('quarter', 'date_day') }} as date
        ) as quarter,  -- noqa: RF04
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end,
        cast({{ date_part_int('year', 'date_day') }} as integer) as year,  -- noqa: RF04
        cast({{ date_part_int('month', 'date_day') }} as integer) as month_of_year,
        cast({{ date_part_int('quarter', 'date_day') }} as integer) as quarter_of_year,
        cast({{ date_part_int('day', 'date_day') }} as integer) as day_of_month
    from days_typed
),

final as (
    select
        date_day,
        month,
        quarter,
        month_end,
        year,
        month_of_year,
        quarter_of_year,
        day_of_month,
        cast({{ date_part_int('day', 'month_end') }} as integer) as days_in_month,
        {% if fiscal_start == 1 -%}
            year as fiscal_year,
        {%- else -%}
            case
                when month_of_year >= {{ fiscal_start }} then year + 1
                else year
            end as fiscal_year,
        {%- endif %}
        cast(
            floor(mod(month_of_year - {{ fiscal_start }} + 12, 12) / 3) + 1 as integer
        ) as fiscal_quarter,
        mod(month_of_year - {{ fiscal_start }} + 12, 12) + 1 as fiscal_month,
        date_day = month_end as is_month_end
    from calendar
)

select * from final
