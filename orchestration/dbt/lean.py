"""What the dbt worker spares each of its forks: work whose result nobody reads.

A forked dbt step runs with the manifest the worker parsed (orchestration/dbt/worker.py).
At 10,000 accounts the pipeline's first dbt step then spent, in its two threads, about
6 s building debug-level events that no logger writes (5,106 of them, about 1.2 ms
each), 2 s compiling the Jinja templates of the macros it calls, and 2.4 s writing its
`manifest.json` again. These functions remove that work without changing what dbt
writes: the same log lines on stdout and in the log file, the same `run_results.json`.
They touch dbt-core's internals, hence the pin `dbt-core>=1.11,<1.12`;
tests/orchestration/test_dbt_worker.py checks each effect.
"""

from __future__ import annotations

from typing import Any


def compile_macro_templates(manifest: Any) -> None:
    """Compile every macro's Jinja template into dbt's template cache, in the worker
    after its parse ahead (while the run ingests): its forks inherit the cache instead of
    each compiling the macros it calls (2.6 s for the 581 macros of the project, dbt's
    and dbt-duckdb's; the first step calls 184 of them). A macro that does not compile
    is left to the fork, whose dbt reports it where the macro is called."""
    from dbt_common.clients.jinja import template_cache
    from dbt_common.exceptions import DbtBaseException

    for macro in manifest.macros.values():
        try:
            template_cache.get_node_template(macro)
        except DbtBaseException:
            continue


def skip_manifest_write() -> None:
    """A build writes its step's `manifest.json` at its end (dbt's `--write-json`, which
    also writes `run_results.json`): the parsed manifest again, which
    `target/manifest.json` already holds and nothing reads from a step's folder. The fork
    skips it and still writes `run_results.json`."""
    import dbt.task.runnable

    dbt.task.runnable.write_manifest = _no_manifest


def _no_manifest(*_args: Any, **_kwargs: Any) -> None:
    return None


def skip_unwritten_events() -> None:
    """dbt builds every event it fires, a protobuf message, before its loggers filter
    it by level. A debug event is dropped before it is built when every logger writes
    only from a higher level and no callback but dbt's own (which takes only
    BehaviorChangeEvent, a warning) receives events. With `--log-level debug` or
    `--log-level-file debug` a logger takes debug events, and they are built and
    written as before. Info and higher events are always built: dbt writes a
    PrintEvent (`dbt ls`, `dbt show`) whatever the logger's level."""
    from dbt.tracking import track_behavior_change_warn
    from dbt_common.events import event_manager
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.logger import _log_level_map

    fire_event = event_manager.EventManager.fire_event
    debug = _log_level_map[EventLevel.DEBUG]

    def fire_written_event(
        self: Any,
        e: Any,
        level: Any = None,
        node: Any = None,
        force_warn_or_error_handling: bool = False,
    ) -> None:
        if (
            _log_level_map[level or e.level_tag()] <= debug
            and self.loggers
            and all(_log_level_map[logger.level] > debug for logger in self.loggers)
            and all(callback is track_behavior_change_warn for callback in self.callbacks)
        ):
            return
        fire_event(
            self,
            e,
            level=level,
            node=node,
            force_warn_or_error_handling=force_warn_or_error_handling,
        )

    event_manager.EventManager.fire_event = fire_written_event
