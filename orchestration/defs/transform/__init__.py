"""Transform domain: every dbt model is an asset; dbt tests are asset checks. Two dbt
steps: every model but those reading the ml tables, then those (after the ml domain)."""

from orchestration.dbt.project import dbt_project
from orchestration.defs.transform.assets import (
    DBT_ASSETS,
    dbt_resource,
    revops_dbt_after_ml,
    revops_dbt_models,
)

__all__ = [
    "DBT_ASSETS",
    "dbt_project",
    "dbt_resource",
    "revops_dbt_after_ml",
    "revops_dbt_models",
]
