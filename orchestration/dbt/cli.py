"""The dbt CLI resource of the pipeline: dagster-dbt's, without the work it does in the
run's own process before each dbt invocation that the pipeline never uses.

Before starting dbt, `DbtCliResource.cli` runs `dbt --version` in a subprocess (once per
resource instance, about 2 s: a whole dbt start-up) to learn whether the executable is
dbt Core or Fusion, and loads the profile, the project and all 560 macros into a dbt
adapter in this process (about 2 s per dbt step). The adapter serves only
`fetch_row_counts()` and `fetch_column_metadata()`, which the pipeline does not call: the
row counts a reader wants are checked by GX and the marts' contracts name the columns.
Together that was about 6 s of each 2,000-account run (profiled with cProfile: issue 19).

The executable is the venv's dbt-core, so its version is the installed package's; no
adapter is made. tests/orchestration/test_dbt_cli.py fails if dagster-dbt renames the two
hooks this overrides (an upgrade would then quietly bring the cost back).

And dbt's own start-up, paid once per run rather than per step: while the resource is set
up for a run it keeps the run's dbt worker (orchestration/dbt/worker.py: dbt imported and
the project parsed once), and dagster-dbt starts the worker's client
(orchestration/dbt/client.py) as its dbt.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from dbt.version import __version__ as DBT_CORE_VERSION
from packaging import version
from pydantic import PrivateAttr

from orchestration.dbt import worker
from orchestration.dbt.client import COMMAND as CLIENT


def client_resource(project_dir: Any, profiles_dir: str) -> RevopsDbtCliResource:
    """The pipeline's resource: dbt started as the worker's client."""
    return RevopsDbtCliResource(
        project_dir=project_dir,
        profiles_dir=profiles_dir,
        dbt_executable=CLIENT[0],
        global_config_flags=list(CLIENT[1:]),
    )


class RevopsDbtCliResource(DbtCliResource):
    """`DbtCliResource` for the venv's dbt-core, with no dbt adapter in the run's process
    and, while set up for a run, the run's dbt worker."""

    _worker: subprocess.Popen | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        super().setup_for_execution(context)
        self._worker = worker.start()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        worker.stop(self._worker)
        self._worker = None

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(DBT_CORE_VERSION)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None
