{{ config(materialized='table') }}

{#
    Quotes that pass validation (latest version, not deleted, not in
    int_records_excluded), valued from their validated lines (docs/metrics.md
    (Bookings and the sales funnel), Quote value): quote_value in the quote
    currency and in USD at the quote's rate, ACV and TCV for accepted quotes,
    the contract end. The columns of fct_quotes. A table: fct_quotes and the
    spine, pipeline, bookings and rep models all read it, and the sum over the
    lines is done once.
#}
with

quotes as (
    select * from {{ ref('int_quotes_converted_to_usd') }}
),

quote_lines as (
    select
        quote_id,
        pricing_model,
        monthly_value,
        line_value
    from {{ ref('int_quote_lines_validated') }}
),

quote_values as (
    select
        quote_id,
        sum(line_value) as quote_value,
        sum(
            case when pricing_model = 'recurring' then monthly_value else 0 end
        ) as recurring_monthly_value
    from quote_lines
    group by quote_id
),

quotes_joined_to_values as (
    select
        quotes.quote_id,
        quotes.account_id,
        quotes.owner_rep_id,
        quotes.quote_type,
        quotes.quote_status,
        quotes.currency,
        quotes.term_months,
        quotes.fx_rate_usd,
        cast(coalesce(quote_values.quote_value, 0) as decimal(38, 10)) as quote_value,
        cast(
            coalesce(quote_values.quote_value, 0) * quotes.fx_rate_usd
            as decimal(38, 10)
        ) as quote_value_usd,
        cast(
            coalesce(quote_values.recurring_monthly_value, 0) * 12 * quotes.fx_rate_usd
            as decimal(38, 10)
        ) as annual_recurring_value_usd,
        quotes.decided_at is null as is_open,
        quotes.contract_start_date,
        case
            when
                quotes.contract_start_date is not null
                and quotes.term_months is not null
                then cast({{ dbt.dateadd(
                    'month', 'quotes.term_months', 'quotes.contract_start_date'
                ) }} as date)
        end as contract_end_date,
        quotes.created_date,
        quotes.sent_date,
        quotes.decided_date,
        quotes.created_at,
        quotes.sent_at,
        quotes.decided_at,
        quotes.updated_at
    from quotes
    left join quote_values
        on quotes.quote_id = quote_values.quote_id
    where {{ is_not_excluded('quotes', 'quotes.quote_id') }}
),

final as (
    select
        quote_id,
        account_id,
        owner_rep_id,
        quote_type,
        quote_status,
        currency,
        term_months,
        fx_rate_usd,
        quote_value,
        quote_value_usd,
        is_open,
        contract_start_date,
        contract_end_date,
        created_date,
        sent_date,
        decided_date,
        created_at,
        sent_at,
        decided_at,
        updated_at,
        case
            when quote_status = 'accepted' then annual_recurring_value_usd
        end as acv_usd,
        case
            when quote_status = 'accepted' then quote_value_usd
        end as tcv_usd
    from quotes_joined_to_values
)

select * from final
