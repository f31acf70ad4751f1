"""ML domain: the Python models between the dbt models (ml/), on any engine."""

from orchestration.defs.ml.assets import churn_model

__all__ = ["churn_model"]
