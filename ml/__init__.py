"""Machine learning on the warehouse, outside dbt so that it runs on every engine.

- `churn`: the churn-risk model: features in (pandas / Arrow), scores and evaluation out.
- `churn_step`: the step around it: reads the features dbt built and writes the `ml`
  tables through a `foundation.engines.EngineClient`.

Imports only `foundation` and libraries (no Dagster, no dbt).
"""
