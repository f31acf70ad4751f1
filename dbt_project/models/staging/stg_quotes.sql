{%- set key_columns = ['quote_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'quotes')) }}",
    )
}}
{#
    Quotes (CPQ); an accepted quote is a contract. Grain: one row per quote_id: the
    latest version (greatest updated_at, ties to the later file, then the later
    row), deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'quotes')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(quote_id as {{ dbt.type_string() }}) as quote_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
        cast(quote_type as {{ dbt.type_string() }}) as quote_type,
        cast(status as {{ dbt.type_string() }}) as quote_status,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(term_months as {{ dbt.type_bigint() }}) as term_months,
        cast({{ to_utc_timestamp('created_at') }} as date) as created_date,
        cast({{ to_utc_timestamp('sent_at') }} as date) as sent_date,
        cast({{ to_utc_timestamp('decided_at') }} as date) as decided_date,
        cast(contract_start_date as date) as contract_start_date,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('sent_at') }} as sent_at,
        {{ to_utc_timestamp('decided_at') }} as decided_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
