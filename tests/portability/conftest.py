"""The throwaway engine servers of tests/engines, for the portability suite."""

from tests.engines.conftest import postgres_server, thrift_server  # noqa: F401 (fixtures)
