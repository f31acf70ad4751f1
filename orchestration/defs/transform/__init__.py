"""Transform domain: every dbt model is an asset; dbt tests are asset checks."""

from orchestration.defs.transform.assets import dbt_resource, revops_dbt_models
from orchestration.defs.transform.project import dbt_project

__all__ = ["dbt_project", "dbt_resource", "revops_dbt_models"]
