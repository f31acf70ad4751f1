{#
    Grain: one row per month and acquisition channel (channels of the
    accounts and of the marketing spend; `unknown` for accounts without
    one). New customers (accounts whose MRR movement is `new`) by the
    account's current acquisition_channel, the channel's spend and CAC =
    spend / new customers (null without spend rows or new customers).
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

accounts as (
    select
        account_id,
        coalesce(acquisition_channel, 'unknown') as channel
    from {{ ref('dim_account') }}
    where is_current
),

new_customers as (
    select
        account_id,
        month
    from {{ ref('fct_mrr') }}
    where movement = 'new'
),

marketing_spend as (
    select
        month,
        channel,
        cast(amount_usd as {{ type_double() }}) as amount_usd
    from {{ ref('stg_marketing_spend') }}
),

channels as (
    select channel from accounts
    union
    select channel from marketing_spend
),

new_customers_counted as (
    select
        new_customers.month,
        accounts.channel,
        count(*) as new_customers
    from new_customers
    inner join accounts
        on new_customers.account_id = accounts.account_id
    group by
        new_customers.month,
        accounts.channel
),

spend_summed as (
    select
        month,
        channel,
        {{ exact_sum("amount_usd") }} as marketing_spend_usd
    from marketing_spend
    group by
        month,
        channel
),

final as (
    select
        channels.channel,
        cast(
            coalesce(new_customers_counted.new_customers, 0) as {{ dbt.type_bigint() }}
        ) as new_customers,
        spend_summed.marketing_spend_usd,
        spend_summed.marketing_spend_usd
        / nullif(new_customers_counted.new_customers, 0) as cac,
        months.month
    from months
    cross join channels
    left join new_customers_counted
        on
            months.month = new_customers_counted.month
            and channels.channel = new_customers_counted.channel
    left join spend_summed
        on
            months.month = spend_summed.month
            and channels.channel = spend_summed.channel
)

select * from final
