{#
    Grain: one row per sales rep (owner_rep_id) named by an account, a quote
    or a sales target. The contract has no rep entity, so the id is all there
    is besides counts. Quotes come from int_quotes_converted_to_usd (one row
    per staged quote), so raw is not deduplicated once more.
#}
with

account_reps as (
    select
        owner_rep_id,
        count(*) as account_count
    from {{ ref('stg_accounts') }}
    where owner_rep_id is not null
    group by owner_rep_id
),

quote_reps as (
    select
        owner_rep_id,
        count(*) as quote_count
    from {{ ref('int_quotes_converted_to_usd') }}
    where owner_rep_id is not null
    group by owner_rep_id
),

target_reps as (
    select
        owner_rep_id,
        count(*) as target_month_count
    from {{ ref('stg_sales_targets') }}
    group by owner_rep_id
),

all_reps as (
    select owner_rep_id from account_reps
    union
    select owner_rep_id from quote_reps
    union
    select owner_rep_id from target_reps
),

final as (
    select
        all_reps.owner_rep_id,
        coalesce(account_reps.account_count, 0) as account_count,
        coalesce(quote_reps.quote_count, 0) as quote_count,
        coalesce(target_reps.target_month_count, 0) as target_month_count,
        target_reps.owner_rep_id is not null as has_sales_target
    from all_reps
    left join account_reps
        on all_reps.owner_rep_id = account_reps.owner_rep_id
    left join quote_reps
        on all_reps.owner_rep_id = quote_reps.owner_rep_id
    left join target_reps
        on all_reps.owner_rep_id = target_reps.owner_rep_id
)

select * from final
