{#
    The cost of each line that has one (docs/metrics.md (Margin)): a line of
    a billable invoice with amount > 0, a quantity and a product with a
    unit_cost. cost = quantity x unit_cost x cost_months, in the product's
    currency, where cost_months is the line's months_in_period for a
    recurring line with a service period (unit_cost is per month), else 1;
    cost_usd converts it from the PRODUCT's currency at the rate on or before
    the invoice's issued date (the FX rule, docs/metrics.md (Conventions)),
    which may differ from the invoice's currency (amount_usd is converted
    from the invoice's). A line whose product currency has no rate on or
    before that date has no cost_usd and is left out, like a line without a
    unit_cost. Full precision (double). Grain: one row per costed invoice
    line.
#}
with

invoice_lines as (
    select
        invoice_line_id,
        invoice_id,
        account_id,
        product_id,
        pricing_model,
        quantity,
        amount_usd,
        issued_date,
        period_start,
        period_end
    from {{ ref('int_invoice_lines_validated') }}
    where
        is_billable
        and amount > 0
        and quantity is not null
),

products as (
    select
        product_id,
        family,
        currency,
        unit_cost
    from {{ ref('stg_products') }}
    where unit_cost is not null
),

invoice_lines_priced as (
    select
        invoice_lines.invoice_line_id,
        invoice_lines.invoice_id,
        invoice_lines.account_id,
        invoice_lines.product_id,
        products.family,
        products.currency as product_currency,
        invoice_lines.quantity,
        products.unit_cost,
        case
            when
                invoice_lines.pricing_model = 'recurring'
                and invoice_lines.period_start is not null
                and invoice_lines.period_end is not null
                then {{ months_in_period(
                    'invoice_lines.period_start', 'invoice_lines.period_end'
                ) }}
            else 1
        end as cost_months,
        invoice_lines.amount_usd,
        invoice_lines.issued_date
    from invoice_lines
    inner join products
        on invoice_lines.product_id = products.product_id
),

product_fx_rates as (
    {{ fx_rates_of_dates('invoice_lines_priced', 'product_currency', 'issued_date') }}
),

final as (
    select
        invoice_lines_priced.invoice_line_id,
        invoice_lines_priced.invoice_id,
        invoice_lines_priced.account_id,
        invoice_lines_priced.product_id,
        invoice_lines_priced.family,
        invoice_lines_priced.product_currency,
        invoice_lines_priced.quantity,
        invoice_lines_priced.unit_cost,
        cast(invoice_lines_priced.cost_months as {{ type_double() }}) as cost_months,
        (
            cast(invoice_lines_priced.quantity as {{ type_double() }})
            * cast(invoice_lines_priced.unit_cost as {{ type_double() }})
            * cast(invoice_lines_priced.cost_months as {{ type_double() }})
        ) as cost,  -- noqa: RF04
        product_fx_rates.usd_per_unit as cost_fx_rate_usd,
        cast(invoice_lines_priced.quantity as {{ type_double() }})
        * cast(invoice_lines_priced.unit_cost as {{ type_double() }})
        * cast(invoice_lines_priced.cost_months as {{ type_double() }})
        * cast(product_fx_rates.usd_per_unit as {{ type_double() }}) as cost_usd,
        cast(invoice_lines_priced.amount_usd as {{ type_double() }}) as amount_usd,
        invoice_lines_priced.issued_date,
        cast(
            {{ dbt.date_trunc('month', 'invoice_lines_priced.issued_date') }} as date
        ) as issued_month
    from invoice_lines_priced
    inner join product_fx_rates
        on
            invoice_lines_priced.product_currency = product_fx_rates.currency
            and invoice_lines_priced.issued_date = product_fx_rates.fx_date
)

select * from final
