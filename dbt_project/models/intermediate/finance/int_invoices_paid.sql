{#
    Paid date of each invoice with status open or paid (docs/metrics.md
    (Receivables)): the first date, from issued_date on, on which the open
    balance (total in USD minus received payments at the invoice's rate up to
    that date) is <= 0.005; the balance only changes on the issue date and on
    payment dates, so those are the candidates. days_to_pay = paid_date -
    issued_date. Invoices not paid yet have no row.
#}
with

invoices as (
    select
        invoice_id,
        total_amount_usd,
        issued_date
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

balance_changes as (
    {{ invoice_balance_changes(
        'invoices', 'issued_date', 'payments', 'received_date', 'amount_usd'
    ) }}
),

balances as (
    select
        balance_changes.invoice_id,
        balance_changes.change_date as candidate_date,
        invoices.issued_date,
        invoices.total_amount_usd - balance_changes.received_usd as open_balance_usd
    from balance_changes
    inner join invoices
        on balance_changes.invoice_id = invoices.invoice_id
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
