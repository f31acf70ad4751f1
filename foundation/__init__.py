"""The foundation every other room stands on; it imports nothing else of the project.

- `settings`: `Settings` (landing, warehouse, DuckDB limits), built at the edges.
- `duck`: opening DuckDB, quoting identifiers and literals.
- `contract`: the landing contract registry (entities, columns, rules, reasons).
- `checks`: check severities and the one blocking rule.
"""
