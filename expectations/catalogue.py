"""The committed suites (`expectations/gx/expectations/**.json`): which exist, their
meta, the tables they read and the columns they name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from expectations.suites import LAYERS, SUITES_DIR

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STAR = re.compile(r"(?<!count\()\*", re.IGNORECASE)


class SuiteInfo(NamedTuple):
    """(suite name, schema, table, severity); the layer is the schema."""

    name: str
    schema: str
    table: str
    severity: str

    @property
    def suite(self) -> str:
        return self.name

    @property
    def layer(self) -> str:
        return self.schema

    @property
    def relation(self) -> str:
        """`schema.table`."""
        return f"{self.schema}.{self.table}"


def committed_suites() -> dict[str, dict[str, Any]]:
    """Suite name -> the suite's JSON, for every committed suite."""
    suites = {}
    for path in sorted(SUITES_DIR.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        suites[data["name"]] = data
    return suites


def list_suites(layer: str | None = None) -> list[SuiteInfo]:
    """The committed suites, in layer order (raw, staging, marts), then by name."""
    return _suite_infos(committed_suites(), layer)


def _suite_infos(suites_by_name: dict[str, dict[str, Any]], layer: str | None) -> list[SuiteInfo]:
    if layer is not None and layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
    infos = [
        SuiteInfo(name, data["meta"]["schema"], data["meta"]["table"], data["meta"]["severity"])
        for name, data in suites_by_name.items()
        if layer is None or data["meta"]["layer"] == layer
    ]
    return sorted(infos, key=lambda i: (LAYERS.index(i.layer), i.name))


def choose_suites(
    suites_by_name: dict[str, dict[str, Any]], suites: Sequence[str] | None, layer: str | None
) -> list[SuiteInfo]:
    """The named suites of `suites_by_name` (all of the layer, or all, when `suites` is None)."""
    infos = _suite_infos(suites_by_name, layer)
    if suites is None:
        return infos
    by_name = {i.name: i for i in infos}
    unknown = [s for s in suites if s not in by_name]
    if unknown:
        known = ", ".join(by_name)
        raise ValueError(f"unknown GX suite(s) {', '.join(unknown)}; known: {known}")
    return [by_name[s] for s in suites]


def suite_reads(suite: str) -> list[str]:
    """`schema.table` names, other than its own table, that a suite's SQL checks read.

    `raw.invoices` reads `audit.load_files`; `staging.stg_payments` reads
    `raw.payments`; `marts.fct_payments` reads `staging.stg_payments` and
    `intermediate.int_records_excluded`: run the check after those (Dagster:
    `additional_deps`).
    """
    suites = committed_suites()
    if suite not in suites:
        raise ValueError(f"unknown GX suite {suite!r}")
    return list(suites[suite]["meta"].get("reads", []))


def columns_named(suites: Iterable[dict[str, Any]]) -> set[str] | None:
    """Every word the suites' expectations name (their columns, and each identifier of
    their SQL): a superset of the columns they read. None (every column) when a SQL
    check selects `*` (its sample shows every column) or an expectation is about the
    table's columns (`expect_table_column_count_to_equal`, ...)."""
    words: set[str] = set()
    for suite in suites:
        for exp in suite["expectations"]:
            query = exp["kwargs"].get("unexpected_rows_query") or ""
            if _STAR.search(query) or exp["type"].startswith("expect_table_column"):
                return None
            words.update(_IDENTIFIER.findall(json.dumps(exp["kwargs"])))
    return words
