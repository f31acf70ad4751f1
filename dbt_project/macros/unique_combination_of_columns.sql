{#
    Generic test: no two rows share the same values of `combination`
    (a list of column names). The project's stand-in for dbt_utils'.
#}
{% test unique_combination_of_columns(model, combination) %}
    select
        {{ combination | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}

{#
    Generic test: every row satisfies the SQL predicate `expression`.
#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
