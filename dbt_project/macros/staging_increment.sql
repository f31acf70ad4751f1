{#
    The staging models of the landed entities are incremental tables: a build
    ranks the versions of the keys that changed since the last build, not every
    version of every key (issue 19). The table is the full build's, row for row:

    The key columns are the model's unique_key, named and valued in staging as in
    raw (text keys; staging only casts them to the same type).

    - versions_to_rank(relation): a select of the raw rows among which this build
      picks latest versions: all of `relation` in a full build; in an
      incremental run every version of each key that has a version loaded after
      the table's latest `_loaded_at` (its watermark). The latest version is
      chosen among all of the key's versions, as in a full build, and replaces
      the table's row of that key (replace_rows_strategy: delete+insert by
      unique_key). The loader stamps a file's raw rows with a time later than
      every stamp already in the warehouse (ingestion/loader.py load_stamp), so
      every version no build has read is after the watermark.
    - delete_deleted_keys(relation): post-hook SQL deleting the rows
      whose key's latest version is a delete (such a key is not selected, so
      delete+insert would leave its earlier row). It ranks, with latest_version,
      only the versions of the keys that are in the table and have a deleted
      version (a key deleted by an earlier build is no longer in the table).

    On Spark, versions_to_rank selects all of `relation` and delete_deleted_keys is
    empty: replace_rows_strategy is insert_overwrite there, so each build writes
    the table whole, as the incremental facts do.
#}
{% macro versions_to_rank(relation) -%}
    {{ return(adapter.dispatch('versions_to_rank')(relation)) }}
{%- endmacro %}

{% macro default__versions_to_rank(relation) -%}
    {%- set key_columns = unique_key_columns() -%}
    select *
    from {{ relation }} as raw_versions
    {%- if is_incremental() %}
    where exists (
        select 1
        from {{ relation }} as changed_versions
        where {{ same_key_columns('changed_versions', 'raw_versions', key_columns) }}
            and {{ to_utc_timestamp('changed_versions._loaded_at') }}
            > {{ increment_watermark('_loaded_at') }}
    )
    {%- endif %}
{%- endmacro %}

{% macro spark__versions_to_rank(relation) -%}
    select * from {{ relation }}
{%- endmacro %}

{% macro delete_deleted_keys(relation) -%}
    {{ return(adapter.dispatch('delete_deleted_keys')(relation)) }}
{%- endmacro %}

{% macro default__delete_deleted_keys(relation) -%}
    {%- set key_columns = unique_key_columns() %}
    with

    versions_of_kept_keys_with_deletes as (
        select *
        from {{ relation }} as versions
        where exists (
            select 1
            from {{ relation }} as deleted_versions
            where coalesce(deleted_versions.is_deleted, false)
                and {{ same_key_columns('deleted_versions', 'versions', key_columns) }}
        )
            and exists (
                select 1
                from {{ this }} as kept_rows
                where {{ same_key_columns('kept_rows', 'versions', key_columns) }}
            )
    ),

    latest_versions as (
        {{ latest_version('versions_of_kept_keys_with_deletes', key_columns) }}
    )

    delete from {{ this }}
    where exists (
        select 1
        from latest_versions
        where coalesce(latest_versions.is_deleted, false)
            and {{ same_key_columns('latest_versions', this, key_columns) }}
    )
{%- endmacro %}

{% macro spark__delete_deleted_keys(relation) -%}
{%- endmacro %}

{% macro unique_key_columns() -%}
    {%- set unique_key = config.get('unique_key') -%}
    {{ return([unique_key] if unique_key is string else unique_key) }}
{%- endmacro %}
