{#
    Open pipeline (docs/metrics.md (Bookings and the sales funnel)) at two
    dates per spine month: month_end(M) and month_end(M-1) (the day before the
    month). A quote is open at D when created_date <= D and it has no
    decided_date or decided_date > D. Value = quote_value_usd (rate on the
    decided date, or the created date while open).
#}
with

months as (
    select
        month,
        month_end,
        prev_month_end
    from {{ ref('int_metric_months_spined') }}
),

quotes as (
    select
        cast(quote_value_usd as {{ type_double() }}) as quote_value_usd,
        created_date,
        decided_date
    from {{ ref('int_quotes_valued') }}
),

as_of_dates as (
    select
        month,
        month_end as as_of_date,
        'month_end' as as_of_kind
    from months
    union all
    select
        month,
        prev_month_end as as_of_date,
        'prev_month_end' as as_of_kind
    from months
),

open_quotes as (
    select
        as_of_dates.month,
        as_of_dates.as_of_kind,
        count(*) as open_quotes,
        {{ exact_sum("quotes.quote_value_usd") }} as open_value_usd
    from as_of_dates
    inner join quotes
        on
            quotes.created_date <= as_of_dates.as_of_date
            and (
                quotes.decided_date is null
                or quotes.decided_date > as_of_dates.as_of_date
            )
    group by
        as_of_dates.month,
        as_of_dates.as_of_kind
),

final as (
    select
        months.month,
        coalesce(at_month_end.open_quotes, 0) as open_pipeline_count,
        coalesce(at_month_end.open_value_usd, 0) as open_pipeline_value,
        coalesce(at_prev_month_end.open_quotes, 0) as prev_open_pipeline_count,
        coalesce(at_prev_month_end.open_value_usd, 0) as prev_open_pipeline_value
    from months
    left join open_quotes as at_month_end
        on
            months.month = at_month_end.month
            and at_month_end.as_of_kind = 'month_end'
    left join open_quotes as at_prev_month_end
        on
            months.month = at_prev_month_end.month
            and at_prev_month_end.as_of_kind = 'prev_month_end'
)

select * from final
