{%- set key_columns = ['invoice_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'invoices')) }}",
    )
}}
{#
    Invoices (billing). Grain: one row per invoice_id: the latest version (greatest
    updated_at, ties to the later file, then the later row), deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'invoices')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(quote_id as {{ dbt.type_string() }}) as quote_id,
        cast(invoice_number as {{ dbt.type_string() }}) as invoice_number,
        cast(status as {{ dbt.type_string() }}) as invoice_status,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(total_amount as decimal(18, 4)) as total_amount,
        cast(issued_at as date) as issued_date,
        cast(due_at as date) as due_date,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
