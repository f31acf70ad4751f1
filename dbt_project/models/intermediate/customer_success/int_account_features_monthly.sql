{#
    The churn-risk model's features (docs/metrics.md (Account 360)): one row per
    account and month, from the account's first month with a known MRR > 0
    through the as-of month. Every feature of month M reads only what was
    known at month_end(M) (no leakage; tests/success proves it by cutting the
    future): event dates on or before month_end, and no status that a later
    change set. So MRR counts lines of invoices issued by month_end that are
    billable then (a void invoice until the day it was voided, its updated
    date); a receivable is any such invoice, written off or not, with its
    payments received by month_end (a refunded payment stays received: the
    refund came later); CSAT, usage and activities count rows dated in the
    month or the trailing months. Rates with a zero denominator are null; the
    CSAT and usage features are null while their entity never landed.
    The label, churned_within_3_months, is the only column that looks ahead:
    the account's MRR (int_account_mrr_spined) falls to 0 in one of M+1..M+3;
    it is known when M+3 <= the as-of month.
    A table: the churn model reads all of it, and it joins every account to
    every month.
#}
{{ config(materialized='table') }}
{#- the window of windows_applied, spelled out in each over (): Spark has no
    named window extended by a frame #}
{%- set account_months = 'partition by account_id order by month' %}

with

months as (
    select
        month,
        month_end,
        is_as_of_month
    from {{ ref('int_metric_months_spined') }}
),

as_of as (
    select
        max(month) as as_of_month,
        cast({{ dbt.dateadd('month', -3, 'max(month)') }} as date) as last_known_month
    from months
),

invoices as (
    select
        invoice_id,
        account_id,
        invoice_status,
        total_amount_usd,
        issued_date,
        coalesce(due_date, issued_date) as due_or_issued_date,
        cast(updated_at as date) as updated_date
    from {{ ref('int_invoices_validated') }}
    where
        issued_date is not null
        and invoice_status in ('open', 'paid', 'uncollectible', 'void')
),

invoice_lines as (
    select
        invoice_id,
        account_id,
        amount_usd,
        service_months,
        period_start,
        period_end
    from {{ ref('int_invoice_lines_validated') }}
    where
        pricing_model = 'recurring'
        and period_start is not null
        and period_end is not null
        and service_months > 0
),

payments as (
    select
        invoice_id,
        amount_usd_at_invoice_rate as amount_usd,
        received_date
    from {{ ref('int_payments_validated') }}
    where
        (is_received or payment_status = 'refunded')
        and received_date is not null
),

activities as (
    select
        account_id,
        occurred_date,
        occurred_month
    from {{ ref('int_activities_validated') }}
    where account_id is not null
),

quotes as (
    select
        account_id,
        currency,
        quote_value,
        created_date,
        decided_date
    from {{ ref('int_quotes_valued') }}
),

fx_rates as (
    select
        currency,
        usd_per_unit,
        valid_from,
        valid_to
    from {{ ref('int_fx_rates_ranged') }}
),

csat_responses as (
    select
        account_id,
        score,
        responded_month
    from {{ ref('int_csat_responses_validated') }}
),

product_usage as (
    select
        account_id,
        month,
        licensed_seats,
        active_users
    from {{ ref('int_product_usage_validated') }}
),

mrr_history as (
    select
        account_id,
        month,
        mrr
    from {{ ref('int_account_mrr_spined') }}
),

entities_landed as (
    {{ optional_entities_landed(['csat_responses', 'product_usage']) }}
),

optional_entities as (
    select
        has_csat_responses as has_csat,
        has_product_usage as has_usage
    from entities_landed
),

recurring_lines_of_invoices as (
    select
        invoice_lines.account_id,
        cast(invoice_lines.amount_usd as {{ type_double() }})
        / cast(invoice_lines.service_months as {{ type_double() }}) as monthly_value_usd,
        invoice_lines.period_start,
        invoice_lines.period_end,
        invoices.invoice_status,
        invoices.issued_date,
        invoices.updated_date
    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
),

mrr_known_monthly as (
    {#- MRR as known at month_end: the lines of invoices issued by then and
        billable then #}
    select
        recurring_lines_of_invoices.account_id,
        months.month,
        {{ exact_sum("recurring_lines_of_invoices.monthly_value_usd") }} as mrr_sum,
        max(recurring_lines_of_invoices.period_end) as paid_until
    from recurring_lines_of_invoices
    inner join months
        on
            recurring_lines_of_invoices.period_start <= months.month_end
            and months.month_end < recurring_lines_of_invoices.period_end
            and recurring_lines_of_invoices.issued_date <= months.month_end
            and (
                recurring_lines_of_invoices.invoice_status <> 'void'
                or recurring_lines_of_invoices.updated_date > months.month_end
            )
    group by
        recurring_lines_of_invoices.account_id,
        months.month
),

first_paid_months as (
    select
        account_id,
        min(month) as first_paid_month
    from mrr_known_monthly
    where mrr_sum >= 0.005
    group by account_id
),

accounts_spined as (
    select
        first_paid_months.account_id,
        first_paid_months.first_paid_month,
        months.month,
        months.month_end
    from first_paid_months
    inner join months
        on first_paid_months.first_paid_month <= months.month
),

payments_daily as (
    select
        invoice_id,
        received_date,
        sum(amount_usd) as amount_usd
    from payments
    group by
        invoice_id,
        received_date
),

payments_cumulated as (
    select
        invoice_id,
        received_date,
        sum(amount_usd) over (
            partition by invoice_id
            order by received_date
            rows between unbounded preceding and current row
        ) as received_to_date_usd
    from payments_daily
),

invoices_paid as (
    {#- the first day the invoice's balance is <= 0.005 (payments alone) #}
    select
        invoices.invoice_id,
        min(payments_cumulated.received_date) as paid_date
    from invoices
    inner join payments_cumulated
        on invoices.invoice_id = payments_cumulated.invoice_id
    where
        invoices.total_amount_usd - payments_cumulated.received_to_date_usd <= 0.005
    group by invoices.invoice_id
),

invoices_with_paid_date as (
    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.invoice_status,
        invoices.total_amount_usd,
        invoices.issued_date,
        invoices.due_or_issued_date,
        invoices.updated_date,
        invoices_paid.paid_date
    from invoices
    left join invoices_paid
        on invoices.invoice_id = invoices_paid.invoice_id
),

invoices_open_monthly as (
    {#- the months at whose end the invoice is issued, billable and not yet
        paid in full #}
    select
        invoices_with_paid_date.invoice_id,
        invoices_with_paid_date.account_id,
        invoices_with_paid_date.total_amount_usd,
        {{ dbt.datediff(
            'invoices_with_paid_date.due_or_issued_date', 'months.month_end', 'day'
        ) }} as days_past_due,
        months.month,
        months.month_end
    from invoices_with_paid_date
    inner join months
        on
            invoices_with_paid_date.issued_date <= months.month_end
            and (
                invoices_with_paid_date.paid_date is null
                or invoices_with_paid_date.paid_date > months.month_end
            )
            and (
                invoices_with_paid_date.invoice_status <> 'void'
                or invoices_with_paid_date.updated_date > months.month_end
            )
),

invoice_balances_monthly as (
    select
        invoices_open_monthly.invoice_id,
        invoices_open_monthly.account_id,
        invoices_open_monthly.month,
        invoices_open_monthly.days_past_due,
        invoices_open_monthly.total_amount_usd
        - coalesce(sum(payments_daily.amount_usd), 0) as open_balance_usd
    from invoices_open_monthly
    left join payments_daily
        on
            invoices_open_monthly.invoice_id = payments_daily.invoice_id
            and payments_daily.received_date <= invoices_open_monthly.month_end
    group by
        invoices_open_monthly.invoice_id,
        invoices_open_monthly.account_id,
        invoices_open_monthly.month,
        invoices_open_monthly.days_past_due,
        invoices_open_monthly.total_amount_usd
),

receivables_monthly as (
    select
        account_id,
        month,
        cast(sum(open_balance_usd) as {{ type_double() }}) as open_ar_usd,
        max(case when days_past_due > 0 then days_past_due else 0 end)
            as max_days_past_due,
        sum(case when days_past_due > 0 then 1 else 0 end) as past_due_invoices
    from invoice_balances_monthly
    where open_balance_usd > 0
    group by
        account_id,
        month
),

late_payments_monthly as (
    {#- invoices paid in full after their due date (or issue date), by the
        month of the paid date #}
    select
        account_id,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date) as month,  -- noqa: RF04
        count(*) as late_paid_invoices
    from invoices_with_paid_date
    where paid_date > due_or_issued_date
    group by
        account_id,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date)
),

activities_monthly as (
    select
        account_id,
        occurred_month as month,  -- noqa: RF04
        count(*) as activities,
        max(occurred_date) as last_activity_date
    from activities
    group by
        account_id,
        occurred_month
),

quotes_valued_at_creation as (
    {#- the value at the rate of the creation date: an open quote's value in
        int_quotes_valued takes the rate of its decision date once decided,
        which month_end(M) did not know yet #}
    select
        quotes.account_id,
        cast(quotes.quote_value * fx_rates.usd_per_unit as {{ type_double() }})
            as quote_value_usd,
        quotes.created_date,
        quotes.decided_date
    from quotes
    left join fx_rates
        on {{ fx_rate_applies('fx_rates', 'quotes.currency', 'quotes.created_date') }}
),

open_quotes_monthly as (
    select
        quotes.account_id,
        months.month,
        count(*) as open_quotes,
        {{ exact_sum("quotes.quote_value_usd") }} as open_pipeline_value
    from quotes_valued_at_creation as quotes
    inner join months
        on
            quotes.created_date <= months.month_end
            and (quotes.decided_date is null or quotes.decided_date > months.month_end)
    group by
        quotes.account_id,
        months.month
),

csat_monthly as (
    select
        account_id,
        responded_month as month,  -- noqa: RF04
        count(*) as csat_responses,
        sum(score) as csat_score_sum,
        sum(case when score >= 4 then 1 else 0 end) as csat_satisfied
    from csat_responses
    group by
        account_id,
        responded_month
),

usage_monthly as (
    select
        account_id,
        month,
        sum(active_users) as active_users,
        sum(case when licensed_seats > 0 then active_users end) as active_users_on_seats,
        sum(case when licensed_seats > 0 then licensed_seats end) as licensed_seats
    from product_usage
    group by
        account_id,
        month
),

account_months_joined as (
    select
        accounts_spined.account_id,
        accounts_spined.month,
        accounts_spined.month_end,
        accounts_spined.first_paid_month,
        cast(
            case
                when coalesce(mrr_known_monthly.mrr_sum, 0) < 0.005 then 0
                else mrr_known_monthly.mrr_sum
            end as {{ type_double() }}
        ) as mrr,
        mrr_known_monthly.paid_until,
        coalesce(receivables_monthly.open_ar_usd, 0) as open_ar_usd,
        coalesce(receivables_monthly.max_days_past_due, 0) as max_days_past_due,
        coalesce(receivables_monthly.past_due_invoices, 0) as past_due_invoices,
        coalesce(late_payments_monthly.late_paid_invoices, 0) as late_paid_invoices,
        coalesce(activities_monthly.activities, 0) as activities,
        activities_monthly.last_activity_date,
        coalesce(open_quotes_monthly.open_quotes, 0) as open_quotes,
        coalesce(open_quotes_monthly.open_pipeline_value, 0) as open_pipeline_value,
        coalesce(csat_monthly.csat_responses, 0) as csat_responses,
        coalesce(csat_monthly.csat_score_sum, 0) as csat_score_sum,
        coalesce(csat_monthly.csat_satisfied, 0) as csat_satisfied,
        coalesce(usage_monthly.active_users, 0) as active_users,
        coalesce(usage_monthly.active_users_on_seats, 0) as active_users_on_seats,
        coalesce(usage_monthly.licensed_seats, 0) as licensed_seats,
        mrr_history.mrr as mrr_now
    from accounts_spined
    left join mrr_known_monthly
        on
            accounts_spined.account_id = mrr_known_monthly.account_id
            and accounts_spined.month = mrr_known_monthly.month
    left join receivables_monthly
        on
            accounts_spined.account_id = receivables_monthly.account_id
            and accounts_spined.month = receivables_monthly.month
    left join late_payments_monthly
        on
            accounts_spined.account_id = late_payments_monthly.account_id
            and accounts_spined.month = late_payments_monthly.month
    left join activities_monthly
        on
            accounts_spined.account_id = activities_monthly.account_id
            and accounts_spined.month = activities_monthly.month
    left join open_quotes_monthly
        on
            accounts_spined.account_id = open_quotes_monthly.account_id
            and accounts_spined.month = open_quotes_monthly.month
    left join csat_monthly
        on
            accounts_spined.account_id = csat_monthly.account_id
            and accounts_spined.month = csat_monthly.month
    left join usage_monthly
        on
            accounts_spined.account_id = usage_monthly.account_id
            and accounts_spined.month = usage_monthly.month
    left join mrr_history
        on
            accounts_spined.account_id = mrr_history.account_id
            and accounts_spined.month = mrr_history.month
),

windows_applied as (
    {#- trailing windows over the contiguous month spine of each account #}
    select
        account_id,
        month,
        month_end,
        first_paid_month,
        mrr,
        lag(mrr, 1, 0) over ({{ account_months }}) as mrr_1m_ago,
        lag(mrr, 3, 0) over ({{ account_months }}) as mrr_3m_ago,
        max(mrr) over (
            {{ account_months }} rows between unbounded preceding and current row
        ) as peak_mrr,
        paid_until,
        open_ar_usd,
        max_days_past_due,
        past_due_invoices,
        sum(late_paid_invoices) over (
            {{ account_months }} rows between 5 preceding and current row
        ) as late_paid_invoices_6m,
        sum(activities) over (
            {{ account_months }} rows between 2 preceding and current row
        ) as activities_3m,
        max(last_activity_date) over (
            {{ account_months }} rows between unbounded preceding and current row
        ) as last_activity_date,
        open_quotes,
        open_pipeline_value,
        sum(csat_responses) over (
            {{ account_months }} rows between 2 preceding and current row
        ) as csat_responses_3m,
        sum(csat_score_sum) over (
            {{ account_months }} rows between 2 preceding and current row
        ) as csat_score_sum_3m,
        sum(csat_satisfied) over (
            {{ account_months }} rows between 2 preceding and current row
        ) as csat_satisfied_3m,
        sum(csat_responses) over (
            {{ account_months }} rows between 5 preceding and 3 preceding
        ) as csat_responses_prev_3m,
        sum(csat_score_sum) over (
            {{ account_months }} rows between 5 preceding and 3 preceding
        ) as csat_score_sum_prev_3m,
        active_users,
        lag(active_users, 3) over ({{ account_months }}) as active_users_3m_ago,
        active_users_on_seats,
        licensed_seats,
        mrr_now,
        min(mrr_now) over ({{ account_months }} rows between 1 following and 3 following)
            as min_mrr_next_3_months
    from account_months_joined
),

final as (
    select
        windows_applied.account_id,
        windows_applied.mrr,
        windows_applied.mrr_1m_ago,
        windows_applied.mrr_3m_ago,
        windows_applied.mrr - windows_applied.mrr_1m_ago as mrr_change_1m,
        windows_applied.mrr - windows_applied.mrr_3m_ago as mrr_change_3m,
        case
            when windows_applied.peak_mrr > 0
                then windows_applied.mrr / windows_applied.peak_mrr
        end as mrr_share_of_peak,
        {{ dbt.datediff(
            'windows_applied.first_paid_month', 'windows_applied.month', 'month'
        ) }} as months_as_customer,
        {{ dbt.datediff(
            'windows_applied.month_end', 'windows_applied.paid_until', 'day'
        ) }} as days_to_period_end,
        windows_applied.open_ar_usd,
        case
            when windows_applied.mrr > 0
                then windows_applied.open_ar_usd / windows_applied.mrr
        end as open_ar_to_mrr,
        windows_applied.max_days_past_due,
        windows_applied.past_due_invoices,
        windows_applied.late_paid_invoices_6m,
        windows_applied.activities_3m,
        {{ dbt.datediff(
            'windows_applied.last_activity_date', 'windows_applied.month_end', 'day'
        ) }} as days_since_last_activity,
        windows_applied.open_quotes,
        windows_applied.open_pipeline_value,
        case when optional_entities.has_csat then windows_applied.csat_responses_3m end
            as csat_responses_3m,
        case
            when optional_entities.has_csat and windows_applied.csat_responses_3m > 0
                then
                    cast(windows_applied.csat_satisfied_3m as {{ type_double() }})
                    / windows_applied.csat_responses_3m
        end as csat_3m,
        case
            when optional_entities.has_csat and windows_applied.csat_responses_3m > 0
                then
                    cast(windows_applied.csat_score_sum_3m as {{ type_double() }})
                    / windows_applied.csat_responses_3m
        end as avg_csat_score_3m,
        case
            when
                optional_entities.has_csat
                and windows_applied.csat_responses_3m > 0
                and windows_applied.csat_responses_prev_3m > 0
                then
                    cast(windows_applied.csat_score_sum_3m as {{ type_double() }})
                    / windows_applied.csat_responses_3m
                    - cast(windows_applied.csat_score_sum_prev_3m as {{ type_double() }})
                    / windows_applied.csat_responses_prev_3m
        end as avg_csat_score_change_3m,
        case when optional_entities.has_usage then windows_applied.active_users end
            as active_users,
        case
            when optional_entities.has_usage and windows_applied.licensed_seats > 0
                then
                    cast(windows_applied.active_users_on_seats as {{ type_double() }})
                    / windows_applied.licensed_seats
        end as seat_utilization,
        case
            when optional_entities.has_usage and windows_applied.active_users_3m_ago > 0
                then
                    cast(windows_applied.active_users as {{ type_double() }})
                    / windows_applied.active_users_3m_ago - 1
        end as active_users_change_3m,
        case
            when windows_applied.month <= as_of.last_known_month
                then windows_applied.min_mrr_next_3_months < 0.005
        end as churned_within_3_months,
        windows_applied.month <= as_of.last_known_month as is_outcome_known,
        windows_applied.month = as_of.as_of_month as is_as_of_month,
        windows_applied.month,
        windows_applied.first_paid_month
    from windows_applied
    cross join optional_entities
    cross join as_of
)

select * from final
