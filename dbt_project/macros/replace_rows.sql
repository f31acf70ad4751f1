{#
    Incremental models that replace rows by their unique_key (the facts and
    audit.flagged_history) on every engine.

    replace_rows_strategy(): the incremental_strategy doing that:
    delete+insert on DuckDB and Postgres; on Spark, whose Parquet tables have
    no row-level delete or merge, insert_overwrite: the model selects all of
    its rows (incremental_fact_filter selects everything there) and they
    replace the table's content, which is what a full build would write.

    previous_rows(): the relation an incremental model reads its own earlier
    rows from: {{ this }}; on Spark a copy of it, `<table>__previous`, since
    Spark cannot overwrite a table that the query writing it reads.
    copy_previous_rows() (a pre-hook) makes that copy in incremental runs and
    drop_previous_rows() (a pre- and post-hook) drops it; both are empty SQL
    elsewhere.
#}
{% macro replace_rows_strategy() -%}
    {{ return(adapter.dispatch('replace_rows_strategy')()) }}
{%- endmacro %}

{% macro default__replace_rows_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__replace_rows_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro previous_rows() -%}
    {{ return(adapter.dispatch('previous_rows')()) }}
{%- endmacro %}

{% macro default__previous_rows() -%}
    {{ return(this) }}
{%- endmacro %}

{% macro spark__previous_rows() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__previous'})) }}
{%- endmacro %}

{% macro copy_previous_rows() -%}
    {{ return(adapter.dispatch('copy_previous_rows')()) }}
{%- endmacro %}

{% macro default__copy_previous_rows() -%}
{%- endmacro %}

{% macro spark__copy_previous_rows() -%}
    {%- if is_incremental() -%}
        create table {{ previous_rows() }} using parquet as select * from {{ this }}
    {%- endif -%}
{%- endmacro %}

{% macro drop_previous_rows() -%}
    {{ return(adapter.dispatch('drop_previous_rows')()) }}
{%- endmacro %}

{% macro default__drop_previous_rows() -%}
{%- endmacro %}

{% macro spark__drop_previous_rows() -%}
    drop table if exists {{ previous_rows() }}
{%- endmacro %}
