"""A suite as data (`SuiteSpec`), its JSON as GX's file store writes it, and where it lives.

Each check of a suite has its own severity (`foundation.checks`: `error` blocks,
`warn` is reported only), written into the JSON as GX's expectation severity
(`critical` / `warning`); the suite's `meta.severity` is the highest of them.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation

from foundation.checks import ERROR, SEVERITIES, WARN

GX_DIR = Path(__file__).resolve().parent.parent / "gx"
SUITES_DIR = GX_DIR / "expectations"
LAYERS = ("raw", "staging", "marts")
# Our severity -> GX's expectation severity, and back.
GX_SEVERITY = {ERROR: "critical", WARN: "warning"}
SEVERITY_OF_GX = {gx_name: severity for severity, gx_name in GX_SEVERITY.items()}
# Fixed namespace so that suite and expectation ids (required by GX) are stable
# across regenerations and the committed JSON only changes when a suite does.
_ID_NAMESPACE = uuid.UUID("5d1f3c2e-7b0a-4c39-9a57-3f0e6f1d2b11")
_TABLE_REF = re.compile(r"\b((?:raw|staging|intermediate|marts|audit|ml)\.[a-z_]+)\b")


@dataclass(frozen=True)
class Check:
    """One expectation and the severity of its failure."""

    expectation: Expectation
    severity: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"check severity {self.severity!r} not in {SEVERITIES}")


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    schema: str
    table: str
    checks: tuple[Check, ...]
    optional: bool = False
    description: str = ""

    @property
    def severity(self) -> str:
        """`error` when any check can block, else `warn`."""
        return ERROR if any(c.severity == ERROR for c in self.checks) else WARN

    def reads(self) -> list[str]:
        """Other tables the suite's SQL checks read (`audit.load_files`, ...): a check
        must run after them, e.g. as Dagster `additional_deps`."""
        found = set()
        for check in self.checks:
            query = getattr(check.expectation, "unexpected_rows_query", None) or ""
            found.update(_TABLE_REF.findall(query))
        found.discard(f"{self.schema}.{self.table}")
        return sorted(found)

    def build(self) -> gx.ExpectationSuite:
        expectations = []
        for check in self.checks:
            exp = check.expectation.copy(deep=True)
            exp.severity = GX_SEVERITY[check.severity]
            expectations.append(exp)
        meta: dict[str, Any] = {
            "reads": self.reads(),
            "layer": self.schema,
            "schema": self.schema,
            "table": self.table,
            "severity": self.severity,
            "optional": self.optional,
            "description": self.description,
            "generated_by": "expectations/suites",
        }
        suite = gx.ExpectationSuite(
            name=self.name,
            expectations=expectations,
            meta=meta,
            id=str(uuid.uuid5(_ID_NAMESPACE, self.name)),
        )
        for index, exp in enumerate(suite.expectations):  # ids once the suite owns them
            exp.id = str(uuid.uuid5(_ID_NAMESPACE, f"{self.name}/{index}"))
        return suite


def suite_path(name: str, suites_dir: Path = SUITES_DIR) -> Path:
    """Where GX's filesystem store keeps suite `name` (`raw.invoices` -> raw/invoices.json)."""
    return suites_dir.joinpath(*name.split(".")).with_suffix(".json")


def suite_json(spec: SuiteSpec) -> str:
    """The suite as GX's store writes it (sorted keys, two-space indent)."""
    return json.dumps(spec.build().to_json_dict(), indent=2, sort_keys=True) + "\n"


def write_suites(specs: Iterable[SuiteSpec], suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Write each suite's JSON; returns the files."""
    written = []
    for spec in specs:
        path = suite_path(spec.name, suites_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(suite_json(spec), encoding="utf-8")
        written.append(path)
    return written
