{#
    The MRR numbers of metrics_monthly per month (docs/metrics.md, Billing:
    MRR and its movements, and Acquisition): MRR, movements, customers, churn
    and retention rates, NRR and GRR over 12 months, ARPU, LTV and CAC. One
    row per spine month. Contraction and churn amounts are negative, as in the
    movement table. A rate with a zero or null denominator is null.
#}
with

months as (
    select
        month,
        prev_month,
        month_12_ago
    from {{ ref('int_metric_months_spined') }}
),

account_months as (
    select
        account_id,
        movement,
        mrr,
        movement_amount,
        month
    from {{ ref('int_mrr_movements_classified') }}
),

marketing_spend as (
    select
        month,
        amount_usd
    from {{ ref('stg_marketing_spend') }}
),

mrr_aggregated as (
    select
        month,
        {{ exact_sum("mrr") }} as mrr,
        sum(case when mrr > 0 then 1 else 0 end) as active_customers,
        sum(case when movement = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers,
        sum(case when movement = 'reactivation' then 1 else 0 end)
            as reactivated_customers,
        {{ exact_sum(
            "case when movement = 'new' then movement_amount else 0 end"
        ) }} as new_mrr,
        {{ exact_sum(
            "case when movement = 'expansion' then movement_amount else 0 end"
        ) }}
            as expansion_mrr,
        {{ exact_sum(
            "case when movement = 'contraction' then movement_amount else 0 end"
        ) }}
            as contraction_mrr,
        {{ exact_sum("case when movement = 'churn' then movement_amount else 0 end") }}
            as churned_mrr,
        {{ exact_sum(
            "case when movement = 'reactivation' then movement_amount else 0 end"
        ) }}
            as reactivation_mrr,
        {{ exact_sum("movement_amount") }} as net_new_mrr
    from account_months
    group by month
),

twelve_month_retention as (
    select
        months.month,
        {{ exact_sum("current_months.mrr") }} as retained_mrr_12m,
        {{ exact_sum(
            "case
                 when current_months.mrr < base_months.mrr then current_months.mrr
                 else base_months.mrr
             end"
        ) }} as gross_retained_mrr_12m,
        {{ exact_sum("base_months.mrr") }} as base_mrr_12m
    from months
    inner join account_months as base_months
        on
            base_months.month = months.month_12_ago
            and base_months.mrr > 0
    inner join account_months as current_months
        on
            current_months.account_id = base_months.account_id
            and current_months.month = months.month
    group by months.month
),

spend_aggregated as (
    select
        month,
        sum(amount_usd) as marketing_spend_usd
    from marketing_spend
    group by month
),

months_joined as (
    select
        months.month,
        coalesce(mrr_aggregated.mrr, 0) as mrr,
        coalesce(previous.mrr, 0) as prev_mrr,
        coalesce(mrr_aggregated.active_customers, 0) as active_customers,
        coalesce(previous.active_customers, 0) as prev_active_customers,
        coalesce(mrr_aggregated.new_customers, 0) as new_customers,
        coalesce(mrr_aggregated.churned_customers, 0) as churned_customers,
        coalesce(mrr_aggregated.reactivated_customers, 0) as reactivated_customers,
        coalesce(mrr_aggregated.new_mrr, 0) as new_mrr,
        coalesce(mrr_aggregated.expansion_mrr, 0) as expansion_mrr,
        coalesce(mrr_aggregated.contraction_mrr, 0) as contraction_mrr,
        coalesce(mrr_aggregated.churned_mrr, 0) as churned_mrr,
        coalesce(mrr_aggregated.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(mrr_aggregated.net_new_mrr, 0) as net_new_mrr,
        twelve_month_retention.retained_mrr_12m,
        twelve_month_retention.gross_retained_mrr_12m,
        twelve_month_retention.base_mrr_12m,
        spend_aggregated.marketing_spend_usd
    from months
    left join mrr_aggregated
        on months.month = mrr_aggregated.month
    left join mrr_aggregated as previous
        on months.prev_month = previous.month
    left join twelve_month_retention
        on months.month = twelve_month_retention.month
    left join spend_aggregated
        on months.month = spend_aggregated.month
),

rates_computed as (
    select
        *,
        cast(churned_customers as {{ type_double() }})
        / nullif(prev_active_customers, 0) as logo_churn_rate,
        -(contraction_mrr + churned_mrr) / nullif(prev_mrr, 0) as gross_mrr_churn_rate,
        (prev_mrr + expansion_mrr + contraction_mrr + churned_mrr)
        / nullif(prev_mrr, 0) as net_mrr_retention,
        (prev_mrr + contraction_mrr + churned_mrr)
        / nullif(prev_mrr, 0) as gross_mrr_retention,
        retained_mrr_12m / nullif(base_mrr_12m, 0) as nrr_12m,
        gross_retained_mrr_12m / nullif(base_mrr_12m, 0) as grr_12m,
        mrr / nullif(active_customers, 0) as arpu,
        cast(marketing_spend_usd as {{ type_double() }})
        / nullif(new_customers, 0) as cac
    from months_joined
),

final as (
    select
        *,
        arpu / nullif(
            avg(logo_churn_rate) over (
                order by month rows between 2 preceding and current row
            ),
            0
        ) as ltv
    from rates_computed
)

select * from final
