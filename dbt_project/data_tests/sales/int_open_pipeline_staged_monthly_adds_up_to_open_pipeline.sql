{#
    Invariant: the quotes the pipeline forecast sees open at month_end(M-1),
    drafts and sent together, are the open pipeline at month_end(M-1)
    (docs/metrics.md (Bookings and the sales funnel), Open pipeline): same
    count, same value to within 0.005. The stages split the open pipeline;
    they neither lose nor add a quote.
#}
{{
    config(
        severity='error',
        tags=['metrics', 'invariant'],
        meta={'dagster': {'ref': {'name': 'int_open_pipeline_staged_monthly'}}},
    )
}}

with

staged as (
    select
        month,
        open_draft_count + open_sent_count as open_count,
        open_draft_value_usd + open_sent_value_usd as open_value_usd
    from {{ ref('int_open_pipeline_staged_monthly') }}
),

pipeline as (
    select
        month,
        prev_open_pipeline_count,
        prev_open_pipeline_value
    from {{ ref('int_open_pipeline_monthly') }}
)

select
    pipeline.month,
    pipeline.prev_open_pipeline_count,
    staged.open_count,
    pipeline.prev_open_pipeline_value,
    staged.open_value_usd
from pipeline
full outer join staged
    on pipeline.month = staged.month
where
    pipeline.month is null
    or staged.month is null
    or pipeline.prev_open_pipeline_count <> staged.open_count
    or abs(pipeline.prev_open_pipeline_value - staged.open_value_usd) >= 0.005
