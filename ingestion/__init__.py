"""Landing files -> the DuckDB warehouse's raw layer (pure Python, no Dagster).

The landing layout is described in docs/landing-contract.md; the contract in code
(entities, types, rules, reason codes) is `foundation.contract`. This package
imports only `foundation` and third-party libraries.

- `readers`: finding landing files and reading them as text with DuckDB's readers.
- `validation`: the contract's invalid-row rules as one SQL pass.
- `audit`: `raw.<entity>`, `audit.load_files`, `audit.quarantine`; `reconcile`.
- `loader`: `load_landing`, `load_entity` (the entry points), `LoadError`.
"""
