{#
    CSAT responses that pass validation: the rows of int_csat_responses_dated
    not in int_records_excluded (not flagged: an account not in staging), with
    the columns of fct_csat_responses and _source_loaded_at, the load time of
    the row (a response's columns come from its own row only). is_satisfied:
    score >= 4, the numerator of CSAT (docs/metrics.md (Customer success)).
    What fct_csat_responses holds after each build, and what the CSAT metric
    models read instead of the incremental fact. A view: a filter on a table.
#}
with

csat_responses as (
    select * from {{ ref('int_csat_responses_dated') }}
),

csat_responses_validated as (
    select
        response_id,
        account_id,
        score,
        score >= 4 as is_satisfied,
        responded_date,
        responded_month,
        responded_at,
        updated_at,
        _loaded_at as _source_loaded_at
    from csat_responses
    where {{ is_not_excluded('csat_responses', 'csat_responses.response_id') }}
)

select * from csat_responses_validated
