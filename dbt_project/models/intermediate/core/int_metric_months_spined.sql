{#
    The month spine of the metric marts (docs/metrics.md (Conventions)): one row per
    month from the month of the earliest event date to the as-of month, also
    for months without any event. Event dates are the UTC dates of accounts'
    created_at and quotes' created_at, sent_at and decided_at, invoices'
    issued_at and payments' received_at (validated rows, as in the facts, so
    flagged rows are out).
    The as-of date is var `as_of` when set, else the latest event date.
#}
with

event_dates as (
    select created_date as event_date from {{ ref('stg_accounts') }}
    union all
    select created_date as event_date from {{ ref('int_quotes_valued') }}
    union all
    select sent_date as event_date from {{ ref('int_quotes_valued') }}
    union all
    select decided_date as event_date from {{ ref('int_quotes_valued') }}
    union all
    select issued_date as event_date from {{ ref('int_invoices_validated') }}
    union all
    select received_date as event_date from {{ ref('int_payments_validated') }}
),

bounds as (
    select
        min(event_date) as first_event_date,
        {% if var('as_of', '') | string | trim -%}
            cast('{{ var("as_of") | string | trim }}' as date)
        {%- else -%}
            max(event_date)
        {%- endif %} as as_of_date
    from event_dates
),

bounds_truncated as (
    select
        cast({{ dbt.date_trunc('month', 'first_event_date') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month,
        as_of_date
    from bounds
    where first_event_date is not null
),

digits as (
    {% for digit in range(10) -%}
        select {{ digit }} as digit{% if not loop.last %}
            union all {% endif %}
    {% endfor %}
),

month_offsets as (
    {#- 0 .. 9999 months: more than any company's history #}
    select
        thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + ones.digit
            as month_offset
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones
),

months as (
    select
        cast({{ dbt.dateadd(
            'month', 'month_offsets.month_offset', 'bounds_truncated.first_month'
        ) }} as date) as month,  -- noqa: RF04
        bounds_truncated.as_of_date,
        bounds_truncated.as_of_month
    from bounds_truncated
    inner join month_offsets
        on month_offsets.month_offset <= {{ dbt.datediff(
            'bounds_truncated.first_month', 'bounds_truncated.as_of_month', 'month'
        ) }}
),

final as (
    select
        month,
        cast({{ dbt.last_day('month', 'month') }} as date) as month_end,
        cast({{ dbt.dateadd('month', 1, 'month') }} as date) as next_month,
        cast({{ dbt.dateadd('month', -1, 'month') }} as date) as prev_month,
        cast({{ dbt.dateadd('month', -2, 'month') }} as date) as month_2_ago,
        cast({{ dbt.dateadd('month', -12, 'month') }} as date) as month_12_ago,
        cast({{ dbt.dateadd('day', -1, 'month') }} as date) as prev_month_end,
        {{ dbt.datediff('month', dbt.dateadd('month', 1, 'month'), 'day') }}
            as days_in_month,
        as_of_date,
        month = as_of_month as is_as_of_month
    from months
)

select * from final
