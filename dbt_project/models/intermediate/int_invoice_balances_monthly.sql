{#
    Open balance of each receivable invoice at each month end (METRICS.md,
    Receivables): total_amount_usd minus its received payments (converted at
    the invoice's rate) with received date <= month_end, for invoices with
    status open or paid issued on or before month_end (uncollectible ones are
    written off), with the days past due (month_end - due_date, or
    - issued_date without a due date) and the aging bucket. Balances stay in
    decimal (exact), so `open_balance_usd > 0` has no float noise.
    Grain: invoice x spine month from the invoice's issue month. A table: it is
    the largest metric relation and both AR and the aging read it.
#}
{{ config(materialized='table') }}

with

months as (
    select
        month,
        month_end
    from {{ ref('int_metric_months_spined') }}
),

invoices as (
    select
        invoice_id,
        account_id,
        total_amount_usd,
        issued_date,
        due_date
    from {{ ref('fct_invoices') }}
    where
        invoice_status in ('open', 'paid')
        and issued_date is not null
),

payments as (
    select
        invoice_id,
        amount_usd_at_invoice_rate as amount_usd,
        received_date
    from {{ ref('fct_payments') }}
    where is_received
),

invoices_spined as (
    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.total_amount_usd,
        invoices.issued_date,
        invoices.due_date,
        months.month,
        months.month_end
    from invoices
    inner join months
        on invoices.issued_date <= months.month_end
),

payments_summed as (
    select
        invoices_spined.invoice_id,
        invoices_spined.month,
        sum(payments.amount_usd) as received_usd
    from invoices_spined
    inner join payments
        on
            invoices_spined.invoice_id = payments.invoice_id
            and payments.received_date <= invoices_spined.month_end
    group by
        invoices_spined.invoice_id,
        invoices_spined.month
),

balances as (
    select
        invoices_spined.invoice_id,
        invoices_spined.account_id,
        invoices_spined.total_amount_usd,
        invoices_spined.total_amount_usd - coalesce(payments_summed.received_usd, 0)
            as open_balance_usd,
        {{ dbt.datediff(
            'coalesce(invoices_spined.due_date, invoices_spined.issued_date)',
            'invoices_spined.month_end',
            'day',
        ) }} as days_past_due,
        invoices_spined.issued_date,
        invoices_spined.due_date,
        invoices_spined.month,
        invoices_spined.month_end
    from invoices_spined
    left join payments_summed
        on
            invoices_spined.invoice_id = payments_summed.invoice_id
            and invoices_spined.month = payments_summed.month
),

final as (
    select
        invoice_id,
        account_id,
        case
            when days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1_30'
            when days_past_due <= 60 then '31_60'
            when days_past_due <= 90 then '61_90'
            else 'over_90'
        end as bucket,
        total_amount_usd,
        open_balance_usd,
        days_past_due,
        issued_date,
        due_date,
        month,
        month_end
    from balances
)

select * from final
