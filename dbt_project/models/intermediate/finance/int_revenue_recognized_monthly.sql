{#
    Invoiced, recognized and deferred revenue per spine month (docs/metrics.md
    (Billing: MRR and its movements)), in USD at full precision (double).
    Lines of billable invoices: a line with a service period is recognized
    ratably by day over [period_start, period_end); a line without one in full
    on the invoice's issued date. Deferred(M) = amounts of lines issued on or
    before month_end(M) minus their revenue recognized through month_end(M).
#}
with

months as (
    select
        month,
        month_end,
        next_month
    from {{ ref('int_metric_months_spined') }}
),

invoices as (
    select
        total_amount_usd,
        issued_date
    from {{ ref('int_invoices_validated') }}
    where is_billable
),

invoice_lines as (
    select
        cast(amount_usd as {{ type_double() }}) as amount_usd,
        issued_date,
        period_start,
        period_end,
        period_start is not null and period_end is not null as has_period,
        {{ dbt.datediff('period_start', 'period_end', 'day') }} as period_days
    from {{ ref('int_invoice_lines_validated') }}
    where is_billable
),

invoiced_monthly as (
    select
        months.month,
        {{ exact_sum("invoices.total_amount_usd") }} as invoiced
    from months
    inner join invoices
        on invoices.issued_date between months.month and months.month_end
    group by months.month
),

period_lines_recognized as (
    {#- days of [period_start, period_end) inside [month, next_month) #}
    select
        months.month,
        invoice_lines.amount_usd * {{ dbt.datediff(
            'case when invoice_lines.period_start > months.month'
            ~ ' then invoice_lines.period_start else months.month end',
            'case when invoice_lines.period_end < months.next_month'
            ~ ' then invoice_lines.period_end else months.next_month end',
            'day',
        ) }} / invoice_lines.period_days as recognized
    from invoice_lines
    inner join months
        on
            invoice_lines.period_start < months.next_month
            and invoice_lines.period_end > months.month
    where invoice_lines.has_period
),

point_lines_recognized as (
    select
        months.month,
        invoice_lines.amount_usd as recognized
    from invoice_lines
    inner join months
        on invoice_lines.issued_date between months.month and months.month_end
    where not invoice_lines.has_period
),

recognized_monthly as (
    select
        month,
        {{ exact_sum("recognized") }} as recognized_revenue
    from (
        select
            month,
            recognized
        from period_lines_recognized
        union all
        select
            month,
            recognized
        from point_lines_recognized
    ) as recognized_lines
    group by month
),

deferred_monthly as (
    {#- a period line issued by month_end, not fully recognized at month_end:
        its amount times the share of its days after month_end #}
    {%- set days_deferred = dbt.datediff(
        'case when invoice_lines.period_start > months.next_month'
        ~ ' then invoice_lines.period_start else months.next_month end',
        'invoice_lines.period_end',
        'day',
    ) %}
    select
        months.month,
        {{ exact_sum(
            'invoice_lines.amount_usd * ' ~ days_deferred ~ ' / invoice_lines.period_days'
        ) }} as deferred_revenue
    from invoice_lines
    inner join months
        on
            invoice_lines.issued_date <= months.month_end
            and invoice_lines.period_end > months.next_month
    where invoice_lines.has_period
    group by months.month
),

final as (
    select
        months.month,
        cast(coalesce(invoiced_monthly.invoiced, 0) as {{ type_double() }}) as invoiced,
        coalesce(recognized_monthly.recognized_revenue, 0) as recognized_revenue,
        coalesce(deferred_monthly.deferred_revenue, 0) as deferred_revenue
    from months
    left join invoiced_monthly
        on months.month = invoiced_monthly.month
    left join recognized_monthly
        on months.month = recognized_monthly.month
    left join deferred_monthly
        on months.month = deferred_monthly.month
)

select * from final
