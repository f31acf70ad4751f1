{#
    Generic test: the rules of one model in one test, so in one dbt node and
    few scans (dbt's fixed cost is per node: a model with eight single-column
    tests cost eight nodes).

    column_rules(not_null, unique, accepted_values, accepted_range,
    relationships, expressions):
    - not_null: columns that hold no null.
    - unique: entries that are a column (no two non-null values equal, as dbt's
      `unique`), a list of columns (no two rows share the combination, nulls
      included), or {columns: a column or a list, where: a predicate}: the same
      among the rows where the predicate holds.
    - accepted_values: {column: [values]}: every non-null value is one of them
      (strings quoted, numbers not).
    - accepted_range: {column: {min_value, max_value, min_inclusive,
      max_inclusive}}: every non-null value lies in the range (either bound
      may be left out; both inclusive by default).
    - relationships: {column: {to: a relation, field: its column}}: every
      non-null value is a `field` of `to` (as dbt's `relationships`).
    - expressions: SQL predicates every row satisfies (a row where one is null
      passes, as where not (predicate)), each a string or {expression, where}:
      only the rows where `where` holds.

    One row per broken rule: `broken_rule` names it (`not_null(account_id)`,
    `unique(account_id, month)`, `relationships(account_id -> dim_account.account_id)`,
    `expression(<predicate>)`, ...) and `failures` counts its rows (for a unique
    rule, its duplicated values). dbt reports the sum of `failures`; when the
    test fails, the pipeline runs its compiled SQL again to name the broken rules
    in the run's failure (orchestration/dbt/args.py failure_account).
#}
{% test column_rules(
    model, not_null=[], unique=[], accepted_values={}, accepted_range={},
    relationships={}, expressions=[]
) %}
    {{ config(fail_calc='coalesce(sum(failures), 0)') }}
    {%- set row_rules = column_rules_row_rules(
        not_null, accepted_values, accepted_range, expressions
    ) -%}
    {%- if not (row_rules or unique or relationships) -%}
        {{ exceptions.raise_compiler_error('column_rules on ' ~ model ~ ': no rule given') }}
    {%- endif %}
    with tallied as (
        select
            {% for rule in row_rules -%}
                sum(case when {{ rule.broken }} then 1 else 0 end) as rule_{{ loop.index }},
            {% endfor -%}
            count(*) as row_count
        from {{ model }}
    )

    {% for rule in row_rules -%}
    select
        '{{ rule.name | replace("'", "''") }}' as broken_rule,
        rule_{{ loop.index }} as failures
    from tallied
    where rule_{{ loop.index }} > 0
    union all
    {% endfor -%}
    {% for entry in unique -%}
    {%- set columns = entry.columns if entry is mapping else entry -%}
    {%- set where = entry.where if entry is mapping else none -%}
    {%- set conditions = [where] if where else [] -%}
    {%- if columns is string -%}
        {%- do conditions.append(columns ~ ' is not null') -%}
        {%- set columns = [columns] -%}
    {%- endif %}
    {%- set name = 'unique(' ~ columns | join(', ')
        ~ (' where ' ~ where if where else '') ~ ')' %}
    select
        '{{ name | replace("'", "''") }}' as broken_rule,
        count(*) as failures
    from (
        select {{ columns | join(', ') }}
        from {{ model }}
        {%- if conditions %}
        where {{ conditions | join(' and ') }}
        {%- endif %}
        group by {{ columns | join(', ') }}
        having count(*) > 1
    ) as duplicated
    having count(*) > 0
    union all
    {% endfor -%}
    {% for column, reference in relationships.items() -%}
    select
        'relationships({{ column }} -> {{ reference.to.identifier }}.{{ reference.field }})'
            as broken_rule,
        count(*) as failures
    from {{ model }} as child
    where child.{{ column }} is not null
        and not exists (
            select 1
            from {{ reference.to }} as parent
            where parent.{{ reference.field }} = child.{{ column }}
        )
    having count(*) > 0
    union all
    {% endfor -%}
    -- Ends the last `union all`.
    select
        'none' as broken_rule,
        0 as failures
    from tallied
    where 1 = 0
{% endtest %}

{#
    The row rules of column_rules: a list of {name, broken}, `broken` the SQL
    predicate of a row that breaks the rule.
#}
{% macro column_rules_row_rules(not_null, accepted_values, accepted_range, expressions) %}
    {%- set rules = [] -%}
    {%- for column in not_null -%}
        {%- do rules.append({
            'name': 'not_null(' ~ column ~ ')',
            'broken': column ~ ' is null',
        }) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- set listed = [] -%}
        {%- for value in values -%}
            {%- do listed.append(
                value if value is number else "'" ~ (value | replace("'", "''")) ~ "'"
            ) -%}
        {%- endfor -%}
        {%- do rules.append({
            'name': 'accepted_values(' ~ column ~ ')',
            'broken': column ~ ' is not null and ' ~ column
                ~ ' not in (' ~ listed | join(', ') ~ ')',
        }) -%}
    {%- endfor -%}
    {%- for column, bounds in accepted_range.items() -%}
        {%- set outside = [] -%}
        {%- if bounds.get('min_value') is not none -%}
            {%- set below = ' < ' if bounds.get('min_inclusive', true) else ' <= ' -%}
            {%- do outside.append(column ~ below ~ bounds['min_value']) -%}
        {%- endif -%}
        {%- if bounds.get('max_value') is not none -%}
            {%- set above = ' > ' if bounds.get('max_inclusive', true) else ' >= ' -%}
            {%- do outside.append(column ~ above ~ bounds['max_value']) -%}
        {%- endif -%}
        {%- do rules.append({
            'name': 'accepted_range(' ~ column ~ ')',
            'broken': column ~ ' is not null and (' ~ outside | join(' or ') ~ ')',
        }) -%}
    {%- endfor -%}
    {%- for entry in expressions -%}
        {%- set expression = entry.expression if entry is mapping else entry -%}
        {%- set where = entry.where if entry is mapping else none -%}
        {%- do rules.append({
            'name': 'expression(' ~ expression ~ (' where ' ~ where if where else '') ~ ')',
            'broken': ('(' ~ where ~ ') and ' if where else '') ~ 'not (' ~ expression ~ ')',
        }) -%}
    {%- endfor -%}
    {{ return(rules) }}
{% endmacro %}
