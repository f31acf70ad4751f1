{#
    Gross margin per spine month and product family (docs/metrics.md
    (Margin)): over the costed lines of int_invoice_lines_costed of invoices
    issued in the month (UTC issued date), revenue_usd = Σ amount_usd,
    cost_usd = Σ cost_usd, gross_margin = revenue_usd - cost_usd and
    gross_margin_rate = gross_margin / revenue_usd. Lines without a cost are
    in neither sum. A product without a family shows as 'unknown'. Only the
    month and family cells with at least one costed line have a row: gross
    margin is null, not 0, without one (its definition's exception to the
    optional-entity rule). Months outside the spine are left out. Grain:
    month x family.
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

invoice_lines_costed as (
    select
        family,
        amount_usd,
        cost_usd,
        issued_month
    from {{ ref('int_invoice_lines_costed') }}
),

families_summed as (
    select
        issued_month as month,  -- noqa: RF04
        coalesce(family, 'unknown') as family,  -- noqa: RF04
        count(*) as costed_lines,
        {{ exact_sum("amount_usd") }} as revenue_usd,
        {{ exact_sum("cost_usd") }} as cost_usd
    from invoice_lines_costed
    group by
        issued_month,
        coalesce(family, 'unknown')
),

final as (
    select
        months.month,
        families_summed.family,
        cast(families_summed.costed_lines as {{ dbt.type_bigint() }}) as costed_lines,
        families_summed.revenue_usd,
        families_summed.cost_usd,
        families_summed.revenue_usd - families_summed.cost_usd as gross_margin,
        (families_summed.revenue_usd - families_summed.cost_usd)
        / nullif(families_summed.revenue_usd, 0) as gross_margin_rate
    from months
    inner join families_summed
        on months.month = families_summed.month
)

select * from final
