{#
    The forecast numbers per spine month (docs/metrics.md (Forecasts)).
    Reps' forecasts: forecast_commit = Σ commit of the reps' forecasts of
    record (null when no rep has one); forecast_accuracy = 1 - |B - C| / B
    with B and C the Σ of bookings and commit over the reps with a forecast
    of record (null when B is 0 or there is no forecast).
    The warehouse's pipeline forecast: over the window W(M) = the spine months
    M-12..M-1, p(s) = Σ_W won(k, s) / Σ_W open(k, s) (0 when the denominator
    is 0) and run-rate r = the mean over W of the TCV created and won in k;
    pipeline_forecast = Σ_s p(s) x open(M, s) + r, null when W is empty (the
    first month); its accuracy 1 - |bookings - forecast| / bookings, null when
    bookings are 0 or the forecast is null.
#}
with

months as (
    select
        month,
        prev_month,
        month_12_ago
    from {{ ref('int_metric_months_spined') }}
),

pipeline_history as (
    select * from {{ ref('int_open_pipeline_staged_monthly') }}
),

rep_forecasts as (
    select
        forecast_commit,
        bookings_tcv,
        month
    from {{ ref('int_sales_rep_forecasts_monthly') }}
),

bookings as (
    select
        month,
        bookings_tcv
    from {{ ref('int_quote_metrics_aggregated_monthly') }}
),

rep_forecasts_summed as (
    select
        month,
        count(*) as reps_with_forecast,
        {{ exact_sum("forecast_commit") }} as forecast_commit,
        {{ exact_sum("bookings_tcv") }} as forecast_reps_bookings_tcv
    from rep_forecasts
    group by month
),

window_summed as (
    {#- W(M): the spine months M-12..M-1 (none for the first month) #}
    select
        months.month,
        count(*) as window_months,
        {{ exact_sum("pipeline_history.open_draft_value_usd") }} as open_draft_value_usd,
        {{ exact_sum("pipeline_history.won_draft_value_usd") }} as won_draft_value_usd,
        {{ exact_sum("pipeline_history.open_sent_value_usd") }} as open_sent_value_usd,
        {{ exact_sum("pipeline_history.won_sent_value_usd") }} as won_sent_value_usd,
        {{ exact_sum(
            "pipeline_history.created_and_won_tcv_usd"
        ) }} as created_and_won_tcv_usd
    from months
    inner join pipeline_history
        on
            pipeline_history.month >= months.month_12_ago
            and pipeline_history.month <= months.prev_month
    group by months.month
),

window_rates as (
    select
        month,
        window_months,
        coalesce(
            won_draft_value_usd / nullif(open_draft_value_usd, 0), 0
        ) as draft_conversion_rate,
        coalesce(
            won_sent_value_usd / nullif(open_sent_value_usd, 0), 0
        ) as sent_conversion_rate,
        created_and_won_tcv_usd / window_months as run_rate_usd
    from window_summed
),

pipeline_forecasted as (
    select
        window_rates.month,
        window_rates.window_months,
        window_rates.draft_conversion_rate,
        window_rates.sent_conversion_rate,
        window_rates.run_rate_usd,
        window_rates.draft_conversion_rate * pipeline_history.open_draft_value_usd
        + window_rates.sent_conversion_rate * pipeline_history.open_sent_value_usd
        + window_rates.run_rate_usd as pipeline_forecast
    from window_rates
    inner join pipeline_history
        on window_rates.month = pipeline_history.month
),

final as (
    select
        months.month,
        coalesce(rep_forecasts_summed.reps_with_forecast, 0) as reps_with_forecast,
        rep_forecasts_summed.forecast_commit,
        rep_forecasts_summed.forecast_reps_bookings_tcv,
        1 - abs(
            rep_forecasts_summed.forecast_reps_bookings_tcv
            - rep_forecasts_summed.forecast_commit
        )
        / nullif(rep_forecasts_summed.forecast_reps_bookings_tcv, 0)
            as forecast_accuracy,
        coalesce(pipeline_forecasted.window_months, 0) as pipeline_window_months,
        pipeline_forecasted.draft_conversion_rate as pipeline_draft_conversion_rate,
        pipeline_forecasted.sent_conversion_rate as pipeline_sent_conversion_rate,
        pipeline_forecasted.run_rate_usd as pipeline_run_rate_usd,
        pipeline_forecasted.pipeline_forecast,
        1 - abs(bookings.bookings_tcv - pipeline_forecasted.pipeline_forecast)
        / nullif(bookings.bookings_tcv, 0) as pipeline_forecast_accuracy
    from months
    left join rep_forecasts_summed
        on months.month = rep_forecasts_summed.month
    left join pipeline_forecasted
        on months.month = pipeline_forecasted.month
    left join bookings
        on months.month = bookings.month
)

select * from final
