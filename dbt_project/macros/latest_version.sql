{#
    Latest version of each key of a raw relation (docs/landing-contract.md,
    "Versions and deletes"): the greatest `updated_at` wins, ties go to the later
    `_file_name`, then the later `_row_number`. Reference entities have no
    `updated_at`: the later file, then the later row wins.
    Returns a select of every column of `relation` plus `_version_rank`.
#}
{% macro latest_version(relation, key_columns, has_updated_at=true) -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    {% if has_updated_at -%}
                    updated_at desc,
                    {% endif -%}
                    _file_name desc,
                    _row_number desc
            ) as _version_rank
        from {{ relation }}
    ) as ranked_versions
    where _version_rank = 1
{%- endmacro %}
