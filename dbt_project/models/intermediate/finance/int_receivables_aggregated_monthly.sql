{#
    Receivables numbers per spine month (docs/metrics.md (Receivables)):
    collections (received payments at the received-date rate), accounts
    receivable (sum of positive open balances at month_end), DSO and the
    average days to pay of invoices paid in the month.
#}
with

months as (
    select
        month,
        month_end,
        days_in_month
    from {{ ref('int_metric_months_spined') }}
),

balances as (
    select
        month,
        open_balance_usd
    from {{ ref('int_invoice_balances_monthly') }}
),

invoices_paid as (
    select
        days_to_pay,
        paid_date
    from {{ ref('int_invoices_paid') }}
),

payments as (
    select
        cast(amount_usd as {{ type_double() }}) as amount_usd,
        received_date
    from {{ ref('int_payments_validated') }}
    where is_received
),

revenue as (
    select
        month,
        invoiced
    from {{ ref('int_revenue_recognized_monthly') }}
),

receivables_summed as (
    select
        month,
        cast(sum(open_balance_usd) as {{ type_double() }}) as accounts_receivable
    from balances
    group by month
),

collections_summed as (
    select
        months.month,
        {{ exact_sum("payments.amount_usd") }} as collections
    from months
    inner join payments
        on payments.received_date between months.month and months.month_end
    group by months.month
),

days_to_pay_averaged as (
    select
        months.month,
        avg(cast(invoices_paid.days_to_pay as {{ type_double() }})) as avg_days_to_pay
    from months
    inner join invoices_paid
        on invoices_paid.paid_date between months.month and months.month_end
    group by months.month
),

final as (
    select
        months.month,
        coalesce(collections_summed.collections, 0) as collections,
        coalesce(receivables_summed.accounts_receivable, 0) as accounts_receivable,
        coalesce(receivables_summed.accounts_receivable, 0)
        / nullif(revenue.invoiced, 0) * months.days_in_month as dso,
        days_to_pay_averaged.avg_days_to_pay
    from months
    left join receivables_summed
        on months.month = receivables_summed.month
    left join collections_summed
        on months.month = collections_summed.month
    left join days_to_pay_averaged
        on months.month = days_to_pay_averaged.month
    left join revenue
        on months.month = revenue.month
)

select * from final
