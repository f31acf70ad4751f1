{%- set key_columns = ['quote_line_id'] -%}
{{
    config(
        materialized='incremental',
        unique_key=key_columns,
        incremental_strategy=replace_rows_strategy(),
        on_schema_change='fail',
        post_hook="{{ delete_deleted_keys(source('raw', 'quote_lines')) }}",
    )
}}
{#
    Lines of quotes: product, quantity, price, discount. Grain: one row per
    quote_line_id: the latest version (greatest updated_at, ties to the later file,
    then the later row), deleted rows removed.
#}
with

source as (
    {{ versions_to_rank(source('raw', 'quote_lines')) }}
),

latest_versions as (
    {{ latest_version('source', key_columns) }}
),

renamed as (
    select
        cast(quote_line_id as {{ dbt.type_string() }}) as quote_line_id,
        cast(quote_id as {{ dbt.type_string() }}) as quote_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        cast(coalesce(discount_pct, 0) as decimal(18, 4)) as discount_pct,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _file_name,
        _row_number,
        {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
        _batch_id
    from latest_versions
    where not coalesce(is_deleted, false)
)

select * from renamed
