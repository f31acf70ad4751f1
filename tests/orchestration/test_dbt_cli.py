"""The pipeline's dbt resource skips dagster-dbt's in-process work it never uses
(orchestration/dbt/cli.py) and tells dagster-dbt the truth about the dbt it runs."""

from __future__ import annotations

import inspect
import re
import subprocess

import dagster as dg
from dagster_dbt import DbtCliResource

from foundation.settings import PROJECT_ROOT
from orchestration.dbt.cli import CLIENT, RevopsDbtCliResource
from orchestration.dbt.project import DBT_EXECUTABLE


def test_the_overridden_hooks_are_still_what_dagster_dbt_calls_before_dbt():
    # Renamed upstream, the overrides would be dead code and every dbt step would pay
    # `dbt --version` and an in-process adapter again without a failing test.
    cli = inspect.getsource(DbtCliResource.cli)
    for hook in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert hook in vars(DbtCliResource), hook
        assert f"self.{hook}" in cli, hook


def test_the_version_it_reports_is_that_of_the_dbt_it_runs():
    output = subprocess.run(
        [DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True
    ).stdout
    installed = re.search(r"(\d+\.\d+\.\d+)", output)
    assert installed, output
    resource = RevopsDbtCliResource(project_dir=str(PROJECT_ROOT), dbt_executable=DBT_EXECUTABLE)
    assert str(resource._cli_version) == installed.group(1)
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_pipeline_runs_dbt_through_it(defs: dg.Definitions):
    resource = defs.resources["dbt"]
    assert isinstance(resource, RevopsDbtCliResource)
    # dagster-dbt starts `<dbt_executable> <global_config_flags> <args>`: the run's dbt
    # worker's client (tests/orchestration/test_dbt_worker.py).
    assert [resource.dbt_executable, *resource.global_config_flags] == list(CLIENT)
