"""The throwaway engine servers of tests/engines, for the portability suite."""

from tests.engines.conftest import postgres_server, spark_dir  # noqa: F401 (fixtures)
