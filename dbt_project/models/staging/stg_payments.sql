{%- set key_columns = ['payment_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'payments')) }}",
    )
}}
{#
    Payments received against invoices. Grain: one row per payment_id: the latest
    version (greatest updated_at, ties to the later file, then the later row),
    deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'payments')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(method as {{ dbt.type_string() }}) as method,  -- noqa: RF04
        cast(status as {{ dbt.type_string() }}) as payment_status,
        cast(amount as decimal(18, 4)) as amount,
        cast({{ to_utc_timestamp('received_at') }} as date) as received_date,
        {{ to_utc_timestamp('received_at') }} as received_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
