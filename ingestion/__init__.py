"""Landing files -> the DuckDB warehouse's raw layer (pure Python, no Dagster).

- `contract`: the landing contract in code (entities, types, rules, reason codes).
- `readers`: finding landing files and reading them as text with DuckDB's readers.
- `validation`: the contract's invalid-row rules as one SQL pass.
- `audit`: `raw.<entity>`, `audit.load_files`, `audit.quarantine`; `reconcile`.
- `loader`: `load_landing`, `load_entity` (the entry points), `LoadError`.
"""
