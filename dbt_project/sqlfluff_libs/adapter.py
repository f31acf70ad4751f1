# sqlfluff's stand-in for dbt's `adapter`: adapter.dispatch(name) returns what
# the project's default__<name> macro renders on DuckDB, closely enough to lint.
DEFAULTS = {
    "to_utc_timestamp": lambda col: f"cast(({col} at time zone 'UTC') as timestamp)",
    "type_double": lambda: "double",
    "binary_collated": lambda expression: expression,
    "incremental_fact_rows": lambda entity, key_columns, valid_rows, once_excluded: (
        f"select * from {valid_rows} as {entity}"
    ),
    "delete_fact_rows_left_out": lambda entity, key_column: "",
    "delete_keys_not_in": lambda model_name, key_column: "",
    "versions_to_rank": lambda relation: f"select * from {relation} as raw_versions",
    "delete_deleted_keys": lambda relation: "",
    "rows_changed_since": lambda conditions: "",
    "replace_rows_strategy": lambda: "delete+insert",
    "previous_rows": lambda: "this",
    "copy_previous_rows": lambda: "",
    "drop_previous_rows": lambda: "",
}


def dispatch(name, package=None):
    if name not in DEFAULTS:
        raise KeyError(f"dbt_project/sqlfluff_libs/adapter.py: add the dispatched macro {name!r}")
    return DEFAULTS[name]
