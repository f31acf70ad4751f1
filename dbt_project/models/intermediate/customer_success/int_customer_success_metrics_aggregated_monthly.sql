{#
    The customer-success numbers of metrics_monthly per spine month
    (docs/metrics.md (Customer success)): CSAT = responses with a score of 4
    or more / responses, and the mean score, over the validated responses
    whose UTC responded month is the month; user adoption rate = Σ new_users
    / Σ active_users over the month's validated usage rows with new_users
    set; seat utilization = Σ active_users / Σ licensed_seats over the
    month's rows with licensed_seats > 0. The counts and sums behind each
    rate are kept (the semantic layer sums them over longer periods).
    Optional entities (docs/metrics.md (Conventions)): while csat_responses
    (product_usage) have never landed, every CSAT (usage) number is null;
    once landed, a month without rows counts 0 and its rates and mean are
    null (denominator 0). Grain: month.
#}
with

months as (
    select month from {{ ref('int_metric_months_spined') }}
),

entities_landed as (
    {{ optional_entities_landed(['csat_responses', 'product_usage']) }}
),

csat_responses as (
    select
        score,
        is_satisfied,
        responded_month
    from {{ ref('int_csat_responses_validated') }}
),

product_usage as (
    select
        licensed_seats,
        active_users,
        new_users,
        month  -- noqa: RF04
    from {{ ref('int_product_usage_validated') }}
),

csat_counted as (
    select
        responded_month,
        count(*) as csat_responses,
        count(case when is_satisfied then 1 end) as csat_satisfied_responses,
        sum(score) as csat_score_total
    from csat_responses
    group by responded_month
),

usage_summed as (
    select
        month,  -- noqa: RF04
        sum(new_users) as adoption_new_users,
        sum(
            case when new_users is not null then active_users end
        ) as adoption_active_users,
        sum(
            case when licensed_seats > 0 then active_users end
        ) as utilization_active_users,
        sum(
            case when licensed_seats > 0 then licensed_seats end
        ) as utilization_licensed_seats
    from product_usage
    group by month
),

months_counted as (
    {%- set csat_columns = [
        'csat_responses', 'csat_satisfied_responses', 'csat_score_total'
    ] %}
    {%- set usage_columns = [
        'adoption_new_users',
        'adoption_active_users',
        'utilization_active_users',
        'utilization_licensed_seats',
    ] %}
    select
        months.month,
        {%- for column in csat_columns %}
            case
                when entities_landed.has_csat_responses
                    then coalesce(csat_counted.{{ column }}, 0)
            end as {{ column }},
        {%- endfor %}
        {%- for column in usage_columns %}
            case
                when entities_landed.has_product_usage
                    then coalesce(usage_summed.{{ column }}, 0)
            end as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from months
    cross join entities_landed
    left join csat_counted
        on months.month = csat_counted.responded_month
    left join usage_summed
        on months.month = usage_summed.month
),

final as (
    select
        month,
        cast(csat_responses as {{ dbt.type_bigint() }}) as csat_responses,
        cast(
            csat_satisfied_responses as {{ dbt.type_bigint() }}
        ) as csat_satisfied_responses,
        cast(csat_score_total as {{ dbt.type_bigint() }}) as csat_score_total,
        cast(csat_satisfied_responses as {{ type_double() }})
        / nullif(csat_responses, 0) as csat,
        cast(csat_score_total as {{ type_double() }})
        / nullif(csat_responses, 0) as avg_csat_score,
        cast(adoption_new_users as {{ dbt.type_bigint() }}) as adoption_new_users,
        cast(adoption_active_users as {{ dbt.type_bigint() }}) as adoption_active_users,
        cast(adoption_new_users as {{ type_double() }})
        / nullif(adoption_active_users, 0) as user_adoption_rate,
        cast(
            utilization_active_users as {{ dbt.type_bigint() }}
        ) as utilization_active_users,
        cast(
            utilization_licensed_seats as {{ dbt.type_bigint() }}
        ) as utilization_licensed_seats,
        cast(utilization_active_users as {{ type_double() }})
        / nullif(utilization_licensed_seats, 0) as seat_utilization
    from months_counted
)

select * from final
