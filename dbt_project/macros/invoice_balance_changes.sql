{#
    The dates on which an invoice's open balance can change, with the
    payments received up to each: its own date (`invoice_date` of
    `invoices`) and every later `payment_date` of `payments`; payments
    before the invoice date count from it on. Returns a select of
    invoice_id, change_date and received_usd (sum of `amount_column` of the
    payments on or before change_date, 0 without any). The balance between
    two change dates is constant, so callers need not look at other dates.
#}
{% macro invoice_balance_changes(
    invoices, invoice_date, payments, payment_date, amount_column
) -%}
    select
        change_dates.invoice_id,
        change_dates.change_date,
        coalesce(sum({{ payments }}.{{ amount_column }}), 0) as received_usd
    from (
        select
            invoice_id,
            {{ invoice_date }} as change_date
        from {{ invoices }}
        union
        select
            {{ payments }}.invoice_id,
            {{ payments }}.{{ payment_date }} as change_date
        from {{ payments }}
        inner join {{ invoices }}
            on
                {{ payments }}.invoice_id = {{ invoices }}.invoice_id
                and {{ payments }}.{{ payment_date }} > {{ invoices }}.{{ invoice_date }}
    ) as change_dates
    left join {{ payments }}
        on
            change_dates.invoice_id = {{ payments }}.invoice_id
            and {{ payments }}.{{ payment_date }} <= change_dates.change_date
    group by
        change_dates.invoice_id,
        change_dates.change_date
{%- endmacro %}
