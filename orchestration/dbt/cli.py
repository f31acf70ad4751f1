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
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from dagster_dbt import DbtCliResource
from dbt.version import __version__ as DBT_CORE_VERSION
from packaging import version


class RevopsDbtCliResource(DbtCliResource):
    """`DbtCliResource` for the venv's dbt-core, with no dbt adapter in the run's process."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(DBT_CORE_VERSION)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None
