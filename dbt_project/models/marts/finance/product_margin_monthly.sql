{#
    Grain: one row per month of the spine and product family with at least
    one costed invoice line (docs/metrics.md (Margin)): revenue_usd and
    cost_usd of the costed lines of billable invoices issued in the month,
    gross_margin = revenue_usd - cost_usd and gross_margin_rate = gross_margin
    / revenue_usd. A family without a costed line in a month has no row (its
    margin is unknown, not 0); a product without a family shows as 'unknown'.
#}
with

margins as (
    select * from {{ ref('int_product_margin_aggregated_monthly') }}
),

final as (
    select
        family,
        costed_lines,
        revenue_usd,
        cost_usd,
        gross_margin,
        gross_margin_rate,
        month
    from margins
)

select * from final
