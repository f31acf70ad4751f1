{#
    Grain: one row per sales rep (owner_rep_id) named by an account, a quote,
    a sales target, a lead, an activity or a forecast submission. The
    contract has no rep entity, so the id is all there is besides counts.
    Quotes, leads and activities come from their one-row-per-staged-row
    intermediates (flagged rows included, so every fact's rep is here).
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

lead_reps as (
    select
        owner_rep_id,
        count(*) as lead_count
    from {{ ref('int_leads_classified') }}
    where owner_rep_id is not null
    group by owner_rep_id
),

activity_reps as (
    select
        owner_rep_id,
        count(*) as activity_count
    from {{ ref('int_activities_dated') }}
    where owner_rep_id is not null
    group by owner_rep_id
),

forecast_reps as (
    select
        owner_rep_id,
        count(*) as forecast_submission_count
    from {{ ref('stg_forecast_submissions') }}
    where owner_rep_id is not null
    group by owner_rep_id
),

all_reps as (
    select owner_rep_id from account_reps
    union
    select owner_rep_id from quote_reps
    union
    select owner_rep_id from target_reps
    union
    select owner_rep_id from lead_reps
    union
    select owner_rep_id from activity_reps
    union
    select owner_rep_id from forecast_reps
),

final as (
    select
        all_reps.owner_rep_id,
        coalesce(account_reps.account_count, 0) as account_count,
        coalesce(quote_reps.quote_count, 0) as quote_count,
        coalesce(target_reps.target_month_count, 0) as target_month_count,
        coalesce(lead_reps.lead_count, 0) as lead_count,
        coalesce(activity_reps.activity_count, 0) as activity_count,
        coalesce(
            forecast_reps.forecast_submission_count, 0
        ) as forecast_submission_count,
        target_reps.owner_rep_id is not null as has_sales_target
    from all_reps
    left join account_reps
        on all_reps.owner_rep_id = account_reps.owner_rep_id
    left join quote_reps
        on all_reps.owner_rep_id = quote_reps.owner_rep_id
    left join target_reps
        on all_reps.owner_rep_id = target_reps.owner_rep_id
    left join lead_reps
        on all_reps.owner_rep_id = lead_reps.owner_rep_id
    left join activity_reps
        on all_reps.owner_rep_id = activity_reps.owner_rep_id
    left join forecast_reps
        on all_reps.owner_rep_id = forecast_reps.owner_rep_id
)

select * from final
