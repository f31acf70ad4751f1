{#
    The quote history behind the pipeline forecast (docs/metrics.md
    (Forecasts)), per spine month k: open(k, s) = the quotes open at
    month_end(k-1) (created_date <= it and no decided_date or a later one), in
    stage s = `sent` when sent_date <= month_end(k-1), else `draft`; won(k, s)
    = those of them accepted with decided_date in k; and the quotes both
    created and accepted in k (the run-rate). Values are quote_value_usd, the
    value of the open pipeline (TCV for accepted quotes). A table: the
    forecast reads every month twice (as history in the twelve-month window,
    and as the month forecast), and the quote x month range join is the
    expensive step.
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
        quote_status = 'accepted' as is_accepted,
        cast(quote_value_usd as {{ type_double() }}) as quote_value_usd,
        cast(tcv_usd as {{ type_double() }}) as tcv_usd,
        created_date,
        sent_date,
        decided_date,
        {#- open until decided; two plain inequalities make a range join #}
        coalesce(decided_date, cast('9999-12-31' as date)) as open_until_date
    from {{ ref('int_quotes_valued') }}
),

quotes_open_at_prev_month_end as (
    {#- quote x month k: open at month_end(k-1), its stage then, won in k #}
    select
        months.month,
        case
            when quotes.sent_date <= months.prev_month_end then 'sent'
            else 'draft'
        end as pipeline_stage,
        quotes.quote_value_usd,
        quotes.is_accepted
        and quotes.decided_date <= months.month_end as is_won_in_month
    from months
    inner join quotes
        on
            quotes.created_date <= months.prev_month_end
            and quotes.open_until_date > months.prev_month_end
),

open_summed as (
    select
        month,
        sum(case when pipeline_stage = 'draft' then 1 else 0 end) as open_draft_count,
        {{ exact_sum(
            "case when pipeline_stage = 'draft' then quote_value_usd else 0 end"
        ) }} as open_draft_value_usd,
        sum(case when pipeline_stage = 'sent' then 1 else 0 end) as open_sent_count,
        {{ exact_sum(
            "case when pipeline_stage = 'sent' then quote_value_usd else 0 end"
        ) }} as open_sent_value_usd,
        sum(
            case when pipeline_stage = 'draft' and is_won_in_month then 1 else 0 end
        ) as won_draft_count,
        {{ exact_sum(
            "case
                 when pipeline_stage = 'draft' and is_won_in_month then quote_value_usd
                 else 0
             end"
        ) }} as won_draft_value_usd,
        sum(
            case when pipeline_stage = 'sent' and is_won_in_month then 1 else 0 end
        ) as won_sent_count,
        {{ exact_sum(
            "case
                 when pipeline_stage = 'sent' and is_won_in_month then quote_value_usd
                 else 0
             end"
        ) }} as won_sent_value_usd
    from quotes_open_at_prev_month_end
    group by month
),

created_and_won_summed as (
    select
        months.month,
        count(*) as created_and_won_count,
        {{ exact_sum("quotes.tcv_usd") }} as created_and_won_tcv_usd
    from months
    inner join quotes
        on
            quotes.is_accepted
            and quotes.created_date between months.month and months.month_end
            and quotes.decided_date between months.month and months.month_end
    group by months.month
),

final as (
    select
        months.month,
        coalesce(open_summed.open_draft_count, 0) as open_draft_count,
        coalesce(open_summed.open_draft_value_usd, 0) as open_draft_value_usd,
        coalesce(open_summed.open_sent_count, 0) as open_sent_count,
        coalesce(open_summed.open_sent_value_usd, 0) as open_sent_value_usd,
        coalesce(open_summed.won_draft_count, 0) as won_draft_count,
        coalesce(open_summed.won_draft_value_usd, 0) as won_draft_value_usd,
        coalesce(open_summed.won_sent_count, 0) as won_sent_count,
        coalesce(open_summed.won_sent_value_usd, 0) as won_sent_value_usd,
        coalesce(created_and_won_summed.created_and_won_count, 0)
            as created_and_won_count,
        coalesce(created_and_won_summed.created_and_won_tcv_usd, 0)
            as created_and_won_tcv_usd
    from months
    left join open_summed
        on months.month = open_summed.month
    left join created_and_won_summed
        on months.month = created_and_won_summed.month
)

select * from final
