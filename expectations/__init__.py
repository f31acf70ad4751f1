"""Great Expectations suites of the warehouse and the code that runs them.

`expectations.runner.validate` / `list_suites` are the entry points; see
`expectations/README.md`. Nothing heavy is imported here.
"""
