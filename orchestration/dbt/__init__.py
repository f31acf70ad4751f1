"""The dbt project and its invocation: the manifest and the `dbt build` arguments.

No Dagster definitions here: importing this package loads no assets.
"""
