{#
    Open balance of each receivable invoice at each month end (docs/metrics.md
    (Receivables)): total_amount_usd minus its received payments (converted at
    the invoice's rate) with received date <= month_end, for invoices with
    status open or paid issued on or before month_end (uncollectible ones are
    written off), with the days past due (month_end - due_date, or
    - issued_date without a due date) and the aging bucket. Balances stay in
    decimal (exact), so `open_balance_usd > 0` has no float noise.
    Grain: invoice x spine month whose open balance is positive, the only
    months accounts receivable and the aging count: a paid invoice's last,
    zero balance would otherwise fill every month to the as-of (98% of the
    rows at 10,000 accounts). A table: both AR and the aging read it. Computed
    per period of constant balance (invoice_balance_changes by month) spread
    over the spine, rather than by joining every payment to every later month.
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
    from {{ ref('int_invoices_validated') }}
    where
        invoice_status in ('open', 'paid')
        and issued_date is not null
),

payments as (
    select
        invoice_id,
        amount_usd_at_invoice_rate as amount_usd,
        received_date
    from {{ ref('int_payments_validated') }}
    where is_received
),

payments_monthly as (
    {#- received payments summed per invoice and month of receipt: a payment
        counts at every month_end on or after its received_date #}
    select
        invoice_id,
        cast({{ dbt.date_trunc('month', 'received_date') }} as date) as paid_month,
        sum(amount_usd) as received_usd
    from payments
    group by
        invoice_id,
        cast({{ dbt.date_trunc('month', 'received_date') }} as date)
),

invoices_with_issue_month as (
    select
        invoice_id,
        account_id,
        total_amount_usd,
        issued_date,
        due_date,
        cast({{ dbt.date_trunc('month', 'issued_date') }} as date) as issued_month
    from invoices
),

balance_changes as (
    {#- the months where an invoice's balance can change (its issue month and
        each later month with a payment) and the payments up to each #}
    {{ invoice_balance_changes(
        'invoices_with_issue_month', 'issued_month',
        'payments_monthly', 'paid_month', 'received_usd',
    ) }}
),

balance_periods as (
    {#- one row per invoice and period of constant balance:
        [change_month, next_change_month) #}
    select
        invoice_id,
        change_date as change_month,
        lead(change_date) over (
            partition by invoice_id
            order by change_date
        ) as next_change_month,
        received_usd
    from balance_changes
),

balance_periods_of_invoices as (
    select
        invoices_with_issue_month.invoice_id,
        invoices_with_issue_month.account_id,
        invoices_with_issue_month.total_amount_usd,
        cast(
            invoices_with_issue_month.total_amount_usd - balance_periods.received_usd
            as decimal(38, 10)
        ) as open_balance_usd,
        invoices_with_issue_month.issued_date,
        invoices_with_issue_month.due_date,
        balance_periods.change_month,
        balance_periods.next_change_month
    from balance_periods
    inner join invoices_with_issue_month
        on balance_periods.invoice_id = invoices_with_issue_month.invoice_id
),

open_balance_periods as (
    {#- a period with nothing left to collect (paid, or overpaid) has no
        month in receivables #}
    select *
    from balance_periods_of_invoices
    where open_balance_usd > 0
),

balances as (
    {#- each period spread over its spine months #}
    select
        open_balance_periods.invoice_id,
        open_balance_periods.account_id,
        open_balance_periods.total_amount_usd,
        open_balance_periods.open_balance_usd,
        {{ dbt.datediff(
            'coalesce(open_balance_periods.due_date, '
            ~ 'open_balance_periods.issued_date)',
            'months.month_end',
            'day',
        ) }} as days_past_due,
        open_balance_periods.issued_date,
        open_balance_periods.due_date,
        months.month,
        months.month_end
    from open_balance_periods
    inner join months
        on
            open_balance_periods.change_month <= months.month
            and (
                open_balance_periods.next_change_month is null
                or months.month < open_balance_periods.next_change_month
            )
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
