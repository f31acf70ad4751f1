"""Validate the warehouse with the committed GX suites: the entry point.

    from expectations.runner import validate, list_suites
    results = validate(settings, layer="marts", run_id="2026-11-23T10:00")
    blocking = [r for r in results if r.blocking]

`validate` composes the modules that each do one job:

- `catalogue`: the committed suites, their meta (`list_suites`, `suite_reads`);
- `context`: the ephemeral GX context built from `expectations/gx/`;
- `datasources`: where each layer validates, GX's datasource on each engine;
- `validation`: one datasource per engine, view copies, one GX run per suite;
- `data_docs`: GX Data Docs rendered into `settings.data_docs_dir`, pruned;
- `audit`: `audit.validation_results` (results appended; row-count history read).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from expectations.audit import AUDIT_TABLE, record_results
from expectations.catalogue import (
    SuiteInfo,
    choose_suites,
    committed_suites,
    list_suites,
    suite_reads,
)
from expectations.context import ephemeral_context
from expectations.data_docs import build_data_docs, result_keys
from expectations.datasources import context_variables
from expectations.results import ExpectationResult, SuiteResult
from expectations.validation import read_row_count_history, run_suites
from foundation.settings import Settings

__all__ = [
    "AUDIT_TABLE",
    "ExpectationResult",
    "SuiteInfo",
    "SuiteResult",
    "list_suites",
    "suite_reads",
    "validate",
]

log = logging.getLogger(__name__)


def validate(
    settings: Settings,
    suites: Sequence[str] | None = None,
    layer: str | None = None,
    *,
    run_id: str,
) -> list[SuiteResult]:
    """Validate the chosen suites (all when neither `suites` nor `layer` is given).

    Returns one `SuiteResult` per suite; never raises for a failing or raising
    expectation (those are results). Raises `ValueError` for an unknown suite name.
    """
    suites_by_name = committed_suites()  # read once
    chosen = choose_suites(suites_by_name, suites, layer)
    history = read_row_count_history(settings, [info.name for info in chosen])
    validated_at = datetime.now(UTC)
    context = ephemeral_context(settings.data_docs_dir, context_variables(settings))
    known_results = result_keys(context)
    results = run_suites(
        context,
        settings,
        chosen,
        suites_by_name,
        history,
        run_id=run_id,
        validated_at=validated_at,
    )
    build_data_docs(context, settings.data_docs_dir, known_results, [i.name for i in chosen])
    record_results(settings, results, validated_at)
    for result in results:
        log.log(logging.INFO if result.success else logging.WARNING, result.message())
    return results
