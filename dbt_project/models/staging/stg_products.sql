{%- set key_columns = ['product_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'products')) }}",
    )
}}
{#
    What is sold: recurring subscriptions and one-time services. Grain: one row per
    product_id: the latest version (greatest updated_at, ties to the later file,
    then the later row), deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'products')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(sku as {{ dbt.type_string() }}) as sku,
        cast(name as {{ dbt.type_string() }}) as product_name,
        cast(family as {{ dbt.type_string() }}) as family,  -- noqa: RF04
        cast(pricing_model as {{ dbt.type_string() }}) as pricing_model,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(billing_interval_months as {{ dbt.type_bigint() }})
            as billing_interval_months,
        cast(list_price as decimal(18, 4)) as list_price,
        cast(unit_cost as decimal(18, 4)) as unit_cost,
        cast(is_active as {{ dbt.type_boolean() }}) as is_active,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
