"""GX Data Docs (HTML) of the validations: rendered into `docs_dir`, pruned to the
newest results per suite (`audit.validation_results` keeps the full history).

Rendering costs: only this call's results, and the pages of suites whose JSON is
newer than their page, are rendered; then the index. The pages then load their
CSS and JavaScript from local copies, not CDNs (`data_docs_offline`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
)

from expectations.context import RESULTS_DIRNAME
from expectations.data_docs_offline import make_offline
from expectations.suites import suite_path

log = logging.getLogger(__name__)

KEEP_RESULTS_PER_SUITE = 5


def result_keys(context: AbstractDataContext) -> set[Any]:
    """The keys of the validation results already in the results store."""
    return set(context.validation_results_store.list_keys())


def build_data_docs(
    context: AbstractDataContext, docs_dir: Path, known_results: set[Any], suites: Sequence[str]
) -> None:
    """Render the pages of the results not in `known_results`, the pages of `suites`
    whose JSON changed since their page was written, then the index of all results."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    new_results = [key for key in result_keys(context) if key not in known_results]
    stale_suites = [
        ExpectationSuiteIdentifier(name=name)
        for name in suites
        if suite_page_is_stale(docs_dir, name)
    ]
    resources = new_results + stale_suites
    if not resources and (docs_dir / "index.html").exists():
        return  # nothing new (only skipped suites); GX would render every page for []
    try:
        prune_data_docs(context, docs_dir)
        context.build_data_docs(resource_identifiers=resources)
        make_offline(docs_dir)
    except Exception:  # the docs are a report; a rendering bug must not hide results
        log.exception("GX Data Docs could not be built into %s", docs_dir)


def suite_page_is_stale(docs_dir: Path, suite: str) -> bool:
    """A suite's page (`expectations/raw/invoices.html`) is missing or older than its JSON."""
    page = docs_dir.joinpath("expectations", *suite.split(".")).with_suffix(".html")
    try:
        return page.stat().st_mtime < suite_path(suite).stat().st_mtime
    except FileNotFoundError:
        return True


def prune_data_docs(context: AbstractDataContext, docs_dir: Path) -> None:
    """Keep the newest `KEEP_RESULTS_PER_SUITE` results (JSON and HTML) of each suite."""
    store = context.validation_results_store
    by_suite: dict[str, list[Any]] = {}
    for key in store.list_keys():
        by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
    kept: set[tuple[str, ...]] = set()
    for keys in by_suite.values():
        keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        kept.update(k.to_tuple() for k in keys[:KEEP_RESULTS_PER_SUITE])
        for key in keys[KEEP_RESULTS_PER_SUITE:]:
            store.remove_key(key)
    pages = docs_dir / "validations"
    for page in list(pages.rglob("*.html")):
        relative = page.relative_to(pages)
        if (*relative.parts[:-1], page.stem) not in kept:
            page.unlink()
    for root in (pages, docs_dir / RESULTS_DIRNAME):
        for folder in sorted(root.rglob("*"), key=lambda f: len(f.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
