{%- set key_columns = ['invoice_line_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'invoice_lines')) }}",
    )
}}
{#
    Invoice lines with service periods; negative amounts are credits. Grain: one row
    per invoice_line_id: the latest version (greatest updated_at, ties to the later
    file, then the later row), deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'invoice_lines')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(invoice_line_id as {{ dbt.type_string() }}) as invoice_line_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(unit_amount as decimal(18, 4)) as unit_amount,
        cast(amount as decimal(18, 4)) as amount,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
