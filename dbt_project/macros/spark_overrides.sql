{#
    Overrides of dbt's cross-database macros on Spark (dbt dispatches the
    `dbt` namespace to the root project first), where dbt-spark's own differ
    from DuckDB's and Postgres' results or fail on a local session:

    spark__cast: contract data types are written as DuckDB and Postgres name
    them; dbt checks an enforced contract by casting null to each (dbt.cast),
    so varchar and text become string, double precision double.

    spark__datediff: day and month count calendar boundaries, as on DuckDB
    and Postgres (dbt-spark's month count is off by one from a month's last
    day to a shorter month's last day); other parts are dbt-spark's.

    spark__dateadd: timestampadd (Spark 3.3+), a timestamp as on DuckDB;
    adding months clamps to the end of a shorter month (01-31 + 1 month =
    02-28). dbt-spark's goes through Unix seconds in a deep expression that
    Spark compiles slowly.

    spark__listagg: listagg ... within group (order by ...) (Spark 4+), in the
    given order (dbt-spark's ignores it).

    spark__load_csv_rows (spark_seed_rows.sql) loads seeds.
#}
{% macro spark__cast(field, type) -%}
    {%- set spark_names = {
        'varchar': 'string', 'text': 'string', 'double precision': 'double'
    } %}
    cast({{ field }} as {{ spark_names.get(type | trim | lower, type) }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'day' %}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart == 'month' %}
        (
            (year({{ second_date }}) - year({{ first_date }})) * 12
            + month({{ second_date }}) - month({{ first_date }})
        )
    {%- else %}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif %}
{%- endmacro %}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num or not order_by_clause %}
        {{ dbt.spark__listagg(measure, delimiter_text, order_by_clause, limit_num) }}
    {%- else %}
        listagg({{ measure }}, {{ delimiter_text }}) within group ({{ order_by_clause }})
    {%- endif %}
{%- endmacro %}
