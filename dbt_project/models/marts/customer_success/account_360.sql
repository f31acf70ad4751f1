{#
    Grain: one row per current account (latest version, not deleted), as of
    the as-of date (docs/metrics.md (Account 360)). Who it is without personal
    data (no name, no e-mail); billing (first paid month, MRR and ARR in the
    as-of month), receivables as of the as-of date (lifetime invoiced and
    collected, open AR, the most days past due among invoices with a positive
    open balance, floored at 0), customer success (CSAT over responses in
    (as-of - 90 days, as-of], seat utilization in the latest usage month on or
    before the as-of month; null while the entity never landed), sales (open
    pipeline at the as-of date, last activity on or before it) and the churn
    risk of the source ml.churn_risk_scored (written by the Python step
    ml/churn_step.py; null without MRR in the as-of month or without a trained
    model).
#}
with

accounts as (
    select
        account_id,
        owner_rep_id,
        industry,
        segment,
        country,
        acquisition_channel,
        created_at
    from {{ ref('stg_accounts') }}
),

as_of as (
    select
        month as as_of_month,
        as_of_date
    from {{ ref('int_metric_months_spined') }}
    where is_as_of_month
),

mrr as (
    select
        account_id,
        mrr,
        month,
        cohort_month
    from {{ ref('fct_mrr') }}
),

invoices as (
    select
        invoice_id,
        account_id,
        invoice_status,
        total_amount_usd,
        is_billable,
        issued_date,
        due_date
    from {{ ref('int_invoices_validated') }}
),

payments as (
    select
        invoice_id,
        account_id,
        amount_usd,
        amount_usd_at_invoice_rate,
        received_date
    from {{ ref('int_payments_validated') }}
    where is_received
),

csat_responses as (
    select
        account_id,
        score,
        responded_date
    from {{ ref('int_csat_responses_validated') }}
),

product_usage as (
    select
        account_id,
        month,
        licensed_seats,
        active_users
    from {{ ref('int_product_usage_validated') }}
),

quotes as (
    select
        account_id,
        quote_value_usd,
        created_date,
        decided_date
    from {{ ref('int_quotes_valued') }}
),

activities as (
    select
        account_id,
        occurred_date,
        occurred_at
    from {{ ref('int_activities_validated') }}
    where account_id is not null
),

churn_risk_scores as (
    select
        account_id,
        churn_risk
    from {{ source('ml', 'churn_risk_scored') }}
    where split = 'current'
),

entities_landed as (
    {{ optional_entities_landed(['csat_responses', 'product_usage']) }}
),

optional_entities as (
    select
        has_csat_responses as has_csat,
        has_product_usage as has_usage
    from entities_landed
),

mrr_summarized as (
    select
        mrr.account_id,
        min(mrr.cohort_month) as first_paid_month,
        {{ exact_sum(
            "case when mrr.month = as_of.as_of_month then mrr.mrr else 0 end"
        ) }} as mrr
    from mrr
    cross join as_of
    group by mrr.account_id
),

invoiced_summarized as (
    select
        invoices.account_id,
        {{ exact_sum("invoices.total_amount_usd") }} as lifetime_invoiced
    from invoices
    cross join as_of
    where
        invoices.is_billable
        and invoices.issued_date <= as_of.as_of_date
    group by invoices.account_id
),

collected_summarized as (
    select
        payments.account_id,
        {{ exact_sum("payments.amount_usd") }} as lifetime_collected
    from payments
    cross join as_of
    where payments.received_date <= as_of.as_of_date
    group by payments.account_id
),

invoice_balances as (
    {#- receivable invoices (open or paid) issued by the as-of date, minus
        their payments received by then, at the invoice's rate #}
    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.total_amount_usd - coalesce(sum(payments.amount_usd_at_invoice_rate), 0)
            as open_balance_usd,
        {{ dbt.datediff(
            'coalesce(invoices.due_date, invoices.issued_date)', 'as_of.as_of_date', 'day'
        ) }} as days_past_due
    from invoices
    cross join as_of
    left join payments
        on
            invoices.invoice_id = payments.invoice_id
            and payments.received_date <= as_of.as_of_date
    where
        invoices.invoice_status in ('open', 'paid')
        and invoices.issued_date <= as_of.as_of_date
    group by
        invoices.invoice_id,
        invoices.account_id,
        invoices.total_amount_usd,
        invoices.due_date,
        invoices.issued_date,
        as_of.as_of_date
),

receivables_summarized as (
    select
        account_id,
        {{ exact_sum("open_balance_usd") }} as open_ar,
        max(case when days_past_due > 0 then days_past_due else 0 end)
            as max_days_past_due
    from invoice_balances
    where open_balance_usd > 0
    group by account_id
),

csat_summarized as (
    select
        csat_responses.account_id,
        count(*) as csat_responses_90d,
        sum(case when csat_responses.score >= 4 then 1 else 0 end) as satisfied_90d
    from csat_responses
    cross join as_of
    where
        csat_responses.responded_date > {{ dbt.dateadd('day', -90, 'as_of.as_of_date') }}
        and csat_responses.responded_date <= as_of.as_of_date
    group by csat_responses.account_id
),

usage_ranked as (
    select
        product_usage.account_id,
        product_usage.month,
        product_usage.licensed_seats,
        product_usage.active_users,
        max(product_usage.month) over (partition by product_usage.account_id)
            as latest_usage_month
    from product_usage
    cross join as_of
    where product_usage.month <= as_of.as_of_month
),

usage_summarized as (
    select
        account_id,
        latest_usage_month,
        sum(case when licensed_seats > 0 then active_users end) as active_users_on_seats,
        sum(case when licensed_seats > 0 then licensed_seats end) as licensed_seats
    from usage_ranked
    where month = latest_usage_month
    group by
        account_id,
        latest_usage_month
),

pipeline_summarized as (
    select
        quotes.account_id,
        {{ exact_sum("quotes.quote_value_usd") }} as open_pipeline_value
    from quotes
    cross join as_of
    where
        quotes.created_date <= as_of.as_of_date
        and (quotes.decided_date is null or quotes.decided_date > as_of.as_of_date)
    group by quotes.account_id
),

activities_summarized as (
    select
        activities.account_id,
        max(activities.occurred_at) as last_activity_at
    from activities
    cross join as_of
    where activities.occurred_date <= as_of.as_of_date
    group by activities.account_id
),

final as (
    select
        accounts.account_id,
        accounts.owner_rep_id,
        accounts.industry,
        accounts.segment,
        accounts.country,
        accounts.acquisition_channel,
        cast(coalesce(mrr_summarized.mrr, 0) as {{ type_double() }}) as mrr,
        cast(12 * coalesce(mrr_summarized.mrr, 0) as {{ type_double() }}) as arr,
        cast(coalesce(invoiced_summarized.lifetime_invoiced, 0) as {{ type_double() }})
            as lifetime_invoiced,
        cast(coalesce(collected_summarized.lifetime_collected, 0) as {{ type_double() }})
            as lifetime_collected,
        cast(coalesce(receivables_summarized.open_ar, 0) as {{ type_double() }})
            as open_ar,
        cast(
            coalesce(receivables_summarized.max_days_past_due, 0)
            as {{ dbt.type_bigint() }}
        ) as max_days_past_due,
        case
            when optional_entities.has_csat then
                cast(
                    coalesce(csat_summarized.csat_responses_90d, 0)
                    as {{ dbt.type_bigint() }}
                )
        end as csat_responses_90d,
        case
            when optional_entities.has_csat and csat_summarized.csat_responses_90d > 0
                then
                    cast(csat_summarized.satisfied_90d as {{ type_double() }})
                    / csat_summarized.csat_responses_90d
        end as csat_90d,
        case
            when optional_entities.has_usage and usage_summarized.licensed_seats > 0
                then
                    cast(usage_summarized.active_users_on_seats as {{ type_double() }})
                    / usage_summarized.licensed_seats
        end as seat_utilization,
        cast(coalesce(pipeline_summarized.open_pipeline_value, 0) as {{ type_double() }})
            as open_pipeline_value,
        cast(churn_risk_scores.churn_risk as {{ type_double() }}) as churn_risk,
        coalesce(mrr_summarized.mrr, 0) > 0 as is_paying,
        mrr_summarized.first_paid_month,
        case when optional_entities.has_usage then usage_summarized.latest_usage_month end
            as latest_usage_month,
        as_of.as_of_date,
        accounts.created_at,
        activities_summarized.last_activity_at
    from accounts
    cross join as_of
    cross join optional_entities
    left join mrr_summarized
        on accounts.account_id = mrr_summarized.account_id
    left join invoiced_summarized
        on accounts.account_id = invoiced_summarized.account_id
    left join collected_summarized
        on accounts.account_id = collected_summarized.account_id
    left join receivables_summarized
        on accounts.account_id = receivables_summarized.account_id
    left join csat_summarized
        on accounts.account_id = csat_summarized.account_id
    left join usage_summarized
        on accounts.account_id = usage_summarized.account_id
    left join pipeline_summarized
        on accounts.account_id = pipeline_summarized.account_id
    left join activities_summarized
        on accounts.account_id = activities_summarized.account_id
    left join churn_risk_scores
        on accounts.account_id = churn_risk_scores.account_id
)

select * from final
