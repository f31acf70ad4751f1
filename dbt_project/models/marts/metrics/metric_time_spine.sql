{#
    Grain: one row per day from the first spine month to the last day of the
    as-of month: the time spine MetricFlow needs for the semantic layer.
#}
with

months as (
    select
        month,
        days_in_month
    from {{ ref('int_metric_months_spined') }}
),

day_offsets as (
    {% for day in range(31) -%}
        select {{ day }} as day_offset{% if not loop.last %}
            union all {% endif %}
    {% endfor %}
),

final as (
    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'months.month') }} as date)
            as date_day
    from months
    inner join day_offsets
        on day_offsets.day_offset < months.days_in_month
)

select * from final
