"""The rooms and the direction of their imports (docs/architecture.md), checked on the code.

Each test reads the source with `ast`; none imports the project's modules, so a
wrong arrow fails here, with the file and line, before it fails anywhere else.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from foundation.settings import PROJECT_ROOT

# room -> the rooms it may import. The arrows run one way: foundation at the
# bottom, the command line (revops) and the benchmark at the top.
_BELOW_THE_TOP = {"foundation", "ingestion", "expectations", "generator", "serving", "ml"}
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "ingestion": {"foundation"},
    "expectations": {"foundation"},
    "generator": {"foundation"},
    "serving": {"foundation"},
    "ml": {"foundation"},
    "orchestration": {"foundation", "ingestion", "expectations", "serving", "ml"},
    "revops": {*_BELOW_THE_TOP, "orchestration"},
    "bench": {*_BELOW_THE_TOP, "orchestration"},
}
ROOMS = set(ALLOWED)
# Where the environment may be read: the edges (the command line, the Dagster
# resource through Settings.from_env, the benchmark's own command line).
ENVIRONMENT_READERS = {"foundation/settings.py", "revops/cli.py", "bench/suite.py"}
# What carries a whole environment, reading no setting from it: the dbt client sends its
# process's environment to the run's dbt worker, which takes it on to run dbt as if
# started by the client (docs/architecture.md, How dbt runs).
ENVIRONMENT_CARRIERS = {"orchestration/dbt/client.py", "orchestration/dbt/worker.py"}


def _sources(room: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((PROJECT_ROOT / room).rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, at any depth (lazy imports count too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _wrong_arrows(room: str) -> list[str]:
    wrong = []
    for relative, tree in _sources(room):
        for line, module in _imports(tree):
            target = module.split(".")[0]
            if target in ROOMS and target != room and target not in ALLOWED[room]:
                wrong.append(f"{relative}:{line} imports {module}")
    return wrong


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_room_imports_only_the_rooms_below_it(room):
    assert _wrong_arrows(room) == []


def test_the_arrow_check_sees_a_wrong_arrow(tmp_path, monkeypatch):
    """The check above can fail: a foundation module importing ingestion is reported."""
    (tmp_path / "foundation").mkdir()
    (tmp_path / "foundation" / "bad.py").write_text("def f():\n    import ingestion.loader\n")
    monkeypatch.setattr(f"{__name__}.PROJECT_ROOT", tmp_path)
    assert _wrong_arrows("foundation") == ["foundation/bad.py:2 imports ingestion.loader"]


def test_no_private_dagster_import():
    private = [
        f"{relative}:{line} imports {module}"
        for room in ROOMS
        for relative, tree in _sources(room)
        for line, module in _imports(tree)
        if module.startswith(("dagster._", "dagster_dbt._"))
    ]
    assert private == []


def _environment_uses(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, `os.environ` / `os.getenv` / `os.putenv`) of every use of the environment."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "putenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            yield node.lineno, f"os.{node.attr}"


WRITING_CALLS = {"os.environ.update", "os.environ.setdefault", "os.environ.pop", "os.putenv"}


def _environment_writes(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, code) of every call or assignment that changes the process environment."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in WRITING_CALLS:
            yield node.lineno, ast.unparse(node.func)
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "os.environ":
                yield node.lineno, ast.unparse(target)


def test_the_environment_is_read_only_at_the_edges_and_never_written():
    uses = {
        f"{relative}:{line} {what}"
        for room in ROOMS
        for relative, tree in _sources(room)
        for line, what in _environment_uses(tree)
        if relative not in ENVIRONMENT_READERS | ENVIRONMENT_CARRIERS
    }
    assert uses == set(), "settings are passed explicitly, not read from os.environ"
    writes = {
        f"{relative}:{line} {what}"
        for room in ROOMS
        for relative, tree in _sources(room)
        for line, what in _environment_writes(tree)
        if relative not in ENVIRONMENT_CARRIERS
    }
    assert writes == set()


def test_the_environment_check_sees_a_write():
    tree = ast.parse("import os\nos.environ['X'] = '1'\nos.environ.update(Y='2')\n")
    assert sorted(_environment_writes(tree)) == [
        (2, "os.environ['X']"),
        (3, "os.environ.update"),
    ]


IMPORT_PROBE = """
import sys

# pyspark.sql.connect (imported by Great Expectations when pyspark is installed,
# for dbt-spark) exits a `python -c` process whose __main__ has no __file__,
# taking it for its own doctests.
__file__ = "<import probe>"
events = []


def audit(event, args):
    if event in ("subprocess.Popen", "os.system", "os.posix_spawn", "os.exec"):
        command = " ".join(map(str, args[1] or [])) if event == "subprocess.Popen" else str(args)
        if "dbt" in command:  # (libraries run `file` to learn the architecture: harmless)
            events.append(f"{event} {command}")
    elif event == "open" and isinstance(args[0], str) and args[0].endswith((".duckdb", ".wal")):
        events.append(f"open {args[0]}")


sys.addaudithook(audit)
import orchestration.definitions  # noqa: E402,F401

print("EVENTS", events)
"""


def test_importing_the_definitions_runs_no_dbt_and_opens_no_warehouse(tmp_path):
    import subprocess
    import sys

    from foundation.settings import Settings
    from orchestration.dbt.project import prepare_manifest

    prepare_manifest(Settings(landing=tmp_path / "landing", warehouse=tmp_path / "w.duckdb"))
    # A file, not `python -c`: pyspark (imported by GX when installed) takes a main module
    # without a file for its own doctest runner and exits 0 before anything is printed.
    probe = tmp_path / "probe.py"
    probe.write_text(IMPORT_PROBE)
    done = subprocess.run(
        [sys.executable, str(probe)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "EVENTS []"
