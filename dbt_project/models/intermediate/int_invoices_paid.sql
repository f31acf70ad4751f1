{#
    Paid date of each invoice with status open or paid (METRICS.md): the
    first date, from issued_date on, on which the open balance (total in USD
    minus received payments at the invoice's rate up to that date) is
    <= 0.005; the balance only changes on the issue date and on payment
    dates, so those are the candidates. days_to_pay = paid_date - issued_date.
    Invoices not paid yet have no row.
#}
with

invoices as (
    select
        invoice_id,
        total_amount_usd,
        issued_date
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

candidate_dates as (
    select
        invoice_id,
        issued_date as candidate_date
    from invoices
    union
    select
        payments.invoice_id,
        payments.received_date as candidate_date
    from payments
    inner join invoices
        on
            payments.invoice_id = invoices.invoice_id
            and payments.received_date > invoices.issued_date
),

balances as (
    select
        candidate_dates.invoice_id,
        candidate_dates.candidate_date,
        invoices.issued_date,
        invoices.total_amount_usd - coalesce(sum(payments.amount_usd), 0)
            as open_balance_usd
    from candidate_dates
    inner join invoices
        on candidate_dates.invoice_id = invoices.invoice_id
    left join payments
        on
            candidate_dates.invoice_id = payments.invoice_id
            and payments.received_date <= candidate_dates.candidate_date
    group by
        candidate_dates.invoice_id,
        candidate_dates.candidate_date,
        invoices.issued_date,
        invoices.total_amount_usd
),

final as (
    select
        invoice_id,
        {{ dbt.datediff('issued_date', 'min(candidate_date)', 'day') }} as days_to_pay,
        issued_date,
        min(candidate_date) as paid_date
    from balances
    where open_balance_usd <= 0.005
    group by
        invoice_id,
        issued_date
)

select * from final
