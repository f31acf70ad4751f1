{#
    Recurring lines (docs/metrics.md (Billing: MRR and its movements)): lines
    of billable invoices whose product is recurring and that have a service
    period, with their monthly value = amount_usd / months_in_period (full
    precision, double).
#}
with

invoice_lines as (
    select
        invoice_line_id,
        invoice_id,
        account_id,
        amount_usd,
        service_months,
        period_start,
        period_end
    from {{ ref('int_invoice_lines_validated') }}
    where
        is_billable
        and pricing_model = 'recurring'
        and period_start is not null
        and period_end is not null
),

final as (
    select
        invoice_line_id,
        invoice_id,
        account_id,
        cast(amount_usd as {{ type_double() }}) as amount_usd,
        cast(service_months as {{ type_double() }}) as months_in_period,
        cast(amount_usd as {{ type_double() }})
        / cast(service_months as {{ type_double() }}) as monthly_value_usd,
        period_start,
        period_end
    from invoice_lines
)

select * from final
