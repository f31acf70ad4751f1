{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}
{#
    Grain: one row per dbt invocation that built this model (docs/metrics.md
    (Account 360)): the churn-risk model's evaluation in the source
    ml.churn_model_evaluated (written by the Python step ml/churn_step.py just
    before) with the invocation's id and start time. Incremental,
    full_refresh=false: every run appends its row (strategy append, on
    every engine: an invocation's id is new) and `--full-refresh` keeps the
    history.
#}
{%- set trained_at = run_started_timestamp() %}
{%- set invocation -%}
    cast('{{ invocation_id }}' as {{ dbt.type_string() }})
{%- endset %}
with

evaluation as (
    select * from {{ source('ml', 'churn_model_evaluated') }}
),

final as (
    select
        {{ invocation }} as invocation_id,
        'churn_risk' as model_name,
        cast(evaluation.model_status as {{ dbt.type_string() }}) as model_status,
        cast(evaluation.train_rows as {{ dbt.type_bigint() }}) as train_rows,
        cast(evaluation.train_accounts as {{ dbt.type_bigint() }}) as train_accounts,
        cast(evaluation.test_rows as {{ dbt.type_bigint() }}) as test_rows,
        cast(evaluation.test_accounts as {{ dbt.type_bigint() }}) as test_accounts,
        cast(evaluation.test_churned_rows as {{ dbt.type_bigint() }})
            as test_churned_rows,
        cast(evaluation.base_rate as {{ type_double() }}) as base_rate,
        cast(evaluation.auc as {{ type_double() }}) as auc,
        cast(evaluation.scored_accounts as {{ dbt.type_bigint() }}) as scored_accounts,
        cast(evaluation.as_of_month as date) as as_of_month,
        cast(evaluation.train_start_month as date) as train_start_month,
        cast(evaluation.train_end_month as date) as train_end_month,
        cast(evaluation.test_start_month as date) as test_start_month,
        cast(evaluation.test_end_month as date) as test_end_month,
        {{ trained_at }} as trained_at
    from evaluation
)

select * from final
