"""dbt from the tests: one way to run it, and one parse of the project per pytest session.

dbt parses the whole project (about 10 s of a small build) unless its target folder
holds a partial parse made with the same profile and `--vars`, and the profile holds the
warehouse's path. So dbt runs here from the warehouse's folder, the warehouse named by
its file name alone (`REVOPS_WAREHOUSE`, which profiles.yml reads; DuckDB opens a
relative path from the working directory): the profile of every `warehouse.duckdb` is
then the same. The first command for a file name and `--vars` parses the project into a
folder of the session, and every command starts from that parse (copied into its target
folder, in place of one made with other vars).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from foundation.settings import PROJECT_ROOT

DBT = str(Path(sys.executable).with_name("dbt"))
PARTIAL_PARSE = "partial_parse.msgpack"

_parses: dict[tuple[str, tuple[str, ...]], Path] = {}
_parsing = threading.Lock()  # two builds at once (tests/dbt/test_incremental_exactness.py)


def _vars(args: Sequence[str]) -> tuple[str, ...]:
    """The `--vars` option of `args` (none: empty)."""
    if "--vars" not in args:
        return ()
    at = list(args).index("--vars")
    return tuple(args[at : at + 2])


def _command(args: Sequence[str], target: Path) -> list[str]:
    return [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]


def _env(warehouse_name: str) -> dict[str, str]:
    return {**os.environ, "REVOPS_WAREHOUSE": warehouse_name, "DBT_PROFILES_DIR": str(PROJECT_ROOT)}


@cache
def _session_folder() -> Path:
    """The session's folder of parses, made at the first parse, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="revops-dbt-parses-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def parsed(warehouse_name: str = "warehouse.duckdb", variables: tuple[str, ...] = ()) -> Path:
    """The target folder of the session's `dbt parse` for this warehouse file name and
    `--vars` (made at the first call)."""
    key = (warehouse_name, variables)
    with _parsing:
        if key not in _parses:
            folder = _session_folder()
            target = folder / f"parse-{len(_parses)}"
            done = subprocess.run(
                _command(["parse", "--quiet", *variables], target),
                cwd=folder,
                env=_env(warehouse_name),
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
            _parses[key] = target
        return _parses[key]


def manifest() -> dict[str, Any]:
    """The manifest of the project (no warehouse is opened)."""
    return json.loads((parsed() / "manifest.json").read_text())


def run_dbt(
    args: Sequence[str], warehouse: Path, target: Path, timeout: float = 600
) -> subprocess.CompletedProcess:
    """`dbt <args>` on `warehouse` (whose folder must exist), its artifacts and log in
    `target`; the caller checks the outcome."""
    start = parsed(warehouse.name, _vars(args)) / PARTIAL_PARSE
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(start, target / PARTIAL_PARSE)
    return subprocess.run(
        _command(args, target),
        cwd=warehouse.parent,
        env=_env(warehouse.name),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
