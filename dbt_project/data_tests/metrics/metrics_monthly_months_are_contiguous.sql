{#
    Every month from the first to the as-of month has exactly one row of
    metrics_monthly, and the last row is the as-of month.
#}
{{ config(severity='error', tags=['metrics']) }}

with

months as (
    select
        month,
        is_as_of_month,
        as_of_date,
        lead(month) over (order by month) as next_row_month
    from {{ ref('metrics_monthly') }}
)

select *
from months
where (
    next_row_month is not null
    and next_row_month <> cast({{ dbt.dateadd('month', 1, 'month') }} as date)
)
or (next_row_month is null and not is_as_of_month)
or (is_as_of_month and month <> cast({{ dbt.date_trunc('month', 'as_of_date') }} as date))
