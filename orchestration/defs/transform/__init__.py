"""Transform domain: every dbt model is an asset; dbt tests are asset checks."""

from orchestration.dbt.project import dbt_project
from orchestration.defs.transform.assets import dbt_resource, revops_dbt_models

__all__ = ["dbt_project", "dbt_resource", "revops_dbt_models"]
