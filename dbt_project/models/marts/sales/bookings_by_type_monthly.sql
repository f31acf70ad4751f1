{#
    Grain: one row per month and quote_type (new, renewal, expansion, and
    `unknown` for quotes without a type), every type every month. Bookings
    of quotes accepted (decided) in the month, in USD.
#}
with

months as (
    select
        month,
        month_end
    from {{ ref('int_metric_months_spined') }}
),

quotes as (
    select
        coalesce(quote_type, 'unknown') as quote_type,
        cast(tcv_usd as {{ type_double() }}) as tcv_usd,
        cast(acv_usd as {{ type_double() }}) as acv_usd,
        decided_date
    from {{ ref('fct_quotes') }}
    where quote_status = 'accepted'
),

quote_types as (
    select 'new' as quote_type
    union all
    select 'renewal' as quote_type
    union all
    select 'expansion' as quote_type
),

quote_types_seen as (
    select quote_type from quote_types
    union
    select quote_type from quotes
),

bookings_summed as (
    select
        months.month,
        quotes.quote_type,
        count(*) as quotes_accepted,
        {{ exact_sum("quotes.tcv_usd") }} as bookings_tcv,
        {{ exact_sum("quotes.acv_usd") }} as bookings_acv
    from months
    inner join quotes
        on quotes.decided_date between months.month and months.month_end
    group by
        months.month,
        quotes.quote_type
),

final as (
    select
        quote_types_seen.quote_type,
        coalesce(bookings_summed.quotes_accepted, 0) as quotes_accepted,
        coalesce(bookings_summed.bookings_tcv, 0) as bookings_tcv,
        coalesce(bookings_summed.bookings_acv, 0) as bookings_acv,
        months.month
    from months
    cross join quote_types_seen
    left join bookings_summed
        on
            months.month = bookings_summed.month
            and quote_types_seen.quote_type = bookings_summed.quote_type
)

select * from final
