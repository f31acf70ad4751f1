{#
    Latest version of each key of a raw relation (docs/landing-contract.md,
    "Versions and deletes"): the greatest `updated_at` wins, ties go to the later
    `_file_name`, then the later `_row_number`. Reference entities have no
    `updated_at`: the later file, then the later row wins. A null updated_at
    loses (nulls last, on every engine); file names compare in byte order
    (binary_collated).
    Returns a select of every column of `relation` plus `_version_rank`.
#}
{% macro latest_version(relation, key_columns, has_updated_at=true) -%}
    {%- set version_order = ['updated_at desc nulls last'] if has_updated_at else [] -%}
    {%- do version_order.append(binary_collated('_file_name') ~ ' desc') -%}
    {%- do version_order.append('_row_number desc') %}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ version_order | join(', ') }}
            ) as _version_rank
        from {{ relation }}
    ) as ranked_versions
    where _version_rank = 1
{%- endmacro %}
