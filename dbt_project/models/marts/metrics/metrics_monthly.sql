{#
    Grain: one row per month, from the month of the earliest event to the
    as-of month, also empty months (docs/metrics.md (Conventions)). Money in
    USD as double at full precision (round to cents only when shown); rates
    are shares (1 = 100 %), null when their denominator is 0 or null.
    Contraction and churned MRR are negative amounts, as in the movement
    table. The lead, activity, CSAT and usage numbers (optional entities) are
    null while their entity has never landed, and 0 in an empty month once it
    has. Gross margin is null in a month without a costed invoice line.
#}
with

months as (
    select
        month,
        month_end,
        cast(days_in_month as {{ dbt.type_bigint() }}) as days_in_month,
        as_of_date,
        is_as_of_month
    from {{ ref('int_metric_months_spined') }}
),

mrr_metrics as (
    select * from {{ ref('int_mrr_metrics_aggregated_monthly') }}
),

revenue as (
    select * from {{ ref('int_revenue_recognized_monthly') }}
),

receivables as (
    select * from {{ ref('int_receivables_aggregated_monthly') }}
),

forecasts as (
    select * from {{ ref('int_forecasts_aggregated_monthly') }}
),

quote_metrics as (
    select * from {{ ref('int_quote_metrics_aggregated_monthly') }}
),

lead_activity_metrics as (
    select * from {{ ref('int_lead_activity_metrics_aggregated_monthly') }}
),

customer_success_metrics as (
    select * from {{ ref('int_customer_success_metrics_aggregated_monthly') }}
),

product_margins as (
    select
        month,
        revenue_usd,
        cost_usd
    from {{ ref('int_product_margin_aggregated_monthly') }}
),

margins_summed as (
    select
        month,
        {{ exact_sum("revenue_usd") }} as margin_revenue_usd,
        {{ exact_sum("cost_usd") }} as margin_cost_usd
    from product_margins
    group by month
),

final as (
    select
        months.month,
        mrr_metrics.mrr,
        12 * mrr_metrics.mrr as arr,
        mrr_metrics.prev_mrr,
        cast(
            mrr_metrics.active_customers as {{ dbt.type_bigint() }}
        ) as active_customers,
        cast(mrr_metrics.new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(
            mrr_metrics.churned_customers as {{ dbt.type_bigint() }}
        ) as churned_customers,
        cast(
            mrr_metrics.reactivated_customers as {{ dbt.type_bigint() }}
        ) as reactivated_customers,
        mrr_metrics.new_mrr,
        mrr_metrics.expansion_mrr,
        mrr_metrics.contraction_mrr,
        mrr_metrics.churned_mrr,
        mrr_metrics.reactivation_mrr,
        mrr_metrics.net_new_mrr,
        mrr_metrics.logo_churn_rate,
        mrr_metrics.gross_mrr_churn_rate,
        mrr_metrics.net_mrr_retention,
        mrr_metrics.gross_mrr_retention,
        mrr_metrics.nrr_12m,
        mrr_metrics.grr_12m,
        mrr_metrics.arpu,
        mrr_metrics.ltv,
        revenue.invoiced,
        revenue.recognized_revenue,
        revenue.deferred_revenue,
        receivables.collections,
        receivables.accounts_receivable,
        receivables.dso,
        receivables.avg_days_to_pay,
        quote_metrics.bookings_tcv,
        quote_metrics.bookings_acv,
        quote_metrics.bookings_tcv_new,
        quote_metrics.bookings_tcv_renewal,
        quote_metrics.bookings_tcv_expansion,
        cast(quote_metrics.quotes_won as {{ dbt.type_bigint() }}) as quotes_won,
        cast(quote_metrics.quotes_decided as {{ dbt.type_bigint() }}) as quotes_decided,
        quote_metrics.win_rate,
        quote_metrics.avg_sales_cycle_days,
        cast(
            quote_metrics.open_pipeline_count as {{ dbt.type_bigint() }}
        ) as open_pipeline_count,
        quote_metrics.open_pipeline_value,
        quote_metrics.target_amount_usd,
        quote_metrics.pipeline_coverage,
        quote_metrics.team_quota_attainment_rate,
        quote_metrics.sales_velocity,
        cast(quote_metrics.quotes_created as {{ dbt.type_bigint() }}) as quotes_created,
        cast(quote_metrics.quotes_sent as {{ dbt.type_bigint() }}) as quotes_sent,
        quote_metrics.quote_sent_rate,
        quote_metrics.quote_acceptance_rate,
        cast(quote_metrics.renewals_due as {{ dbt.type_bigint() }}) as renewals_due,
        cast(quote_metrics.renewals_won as {{ dbt.type_bigint() }}) as renewals_won,
        quote_metrics.renewal_rate,
        quote_metrics.backlog,
        forecasts.forecast_commit,
        forecasts.forecast_accuracy,
        forecasts.pipeline_forecast,
        forecasts.pipeline_forecast_accuracy,
        cast(
            mrr_metrics.marketing_spend_usd as {{ type_double() }}
        ) as marketing_spend_usd,
        mrr_metrics.cac,
        cast(
            lead_activity_metrics.leads_created as {{ dbt.type_bigint() }}
        ) as leads_created,
        cast(
            lead_activity_metrics.leads_qualified as {{ dbt.type_bigint() }}
        ) as leads_qualified,
        cast(
            lead_activity_metrics.leads_converted_paying as {{ dbt.type_bigint() }}
        ) as leads_converted_paying,
        lead_activity_metrics.lead_qualification_rate,
        lead_activity_metrics.lead_conversion_rate,
        cast(
            lead_activity_metrics.leads_converted as {{ dbt.type_bigint() }}
        ) as leads_converted,
        lead_activity_metrics.avg_lead_conversion_days,
        cast(
            lead_activity_metrics.activities_on_won_deals as {{ dbt.type_bigint() }}
        ) as activities_on_won_deals,
        lead_activity_metrics.activities_per_won_deal,
        customer_success_metrics.csat_responses,
        customer_success_metrics.csat_satisfied_responses,
        customer_success_metrics.csat_score_total,
        customer_success_metrics.csat,
        customer_success_metrics.avg_csat_score,
        customer_success_metrics.adoption_new_users,
        customer_success_metrics.adoption_active_users,
        customer_success_metrics.user_adoption_rate,
        customer_success_metrics.utilization_active_users,
        customer_success_metrics.utilization_licensed_seats,
        customer_success_metrics.seat_utilization,
        margins_summed.margin_revenue_usd,
        margins_summed.margin_cost_usd,
        margins_summed.margin_revenue_usd
        - margins_summed.margin_cost_usd as gross_margin,
        (margins_summed.margin_revenue_usd - margins_summed.margin_cost_usd)
        / nullif(margins_summed.margin_revenue_usd, 0) as gross_margin_rate,
        months.days_in_month,
        months.is_as_of_month,
        months.month_end,
        months.as_of_date
    from months
    left join mrr_metrics
        on months.month = mrr_metrics.month
    left join revenue
        on months.month = revenue.month
    left join receivables
        on months.month = receivables.month
    left join forecasts
        on months.month = forecasts.month
    left join quote_metrics
        on months.month = quote_metrics.month
    left join lead_activity_metrics
        on months.month = lead_activity_metrics.month
    left join customer_success_metrics
        on months.month = customer_success_metrics.month
    left join margins_summed
        on months.month = margins_summed.month
)

select * from final
