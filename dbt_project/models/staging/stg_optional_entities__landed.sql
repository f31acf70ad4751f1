{#
    Whether an optional entity has landed (docs/metrics.md (Conventions),
    optional entities): a count or sum over it is 0 in a month without rows
    once it has landed, and null while it never has. It has landed when its
    raw table holds at least one row: any version of any row a loader ever
    wrote, deleted versions included (a lead deleted later was still seen),
    quarantined rows not (they never reach raw). Grain: one row per optional
    entity whose metrics follow that rule (leads, activities, csat_responses,
    product_usage); add an entity to the list when its metrics need it.
#}
{%- set entities = ['leads', 'activities', 'csat_responses', 'product_usage'] %}

with

unioned as (
    {%- for entity in entities %}
        select
            '{{ entity }}' as entity,
            count(*) as raw_row_count
        from {{ source('raw', entity) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        entity,
        cast(raw_row_count as {{ dbt.type_bigint() }}) as raw_row_count,
        raw_row_count > 0 as has_landed
    from unioned
)

select * from final
