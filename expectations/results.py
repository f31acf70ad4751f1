"""What a validation returns: one `SuiteResult` per suite, one `ExpectationResult` per
expectation, in plain Python (GX's result objects are read once, here).

Each expectation carries its own severity; whether a failure blocks is
`foundation.checks.is_blocking`, the one rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)

from expectations.suites import SEVERITY_OF_GX
from foundation.checks import ERROR, WARN, is_blocking

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class ExpectationResult:
    expectation: str
    column: str | None
    description: str | None
    success: bool
    severity: str = ERROR
    unexpected_count: int | None = None
    unexpected_sample: list[Any] = field(default_factory=list)
    observed_value: float | None = None  # a table expectation's number (a row count)
    expected_range: str | None = None  # its bounds as validated: `>= 35`
    exception: str | None = None
    query: str | None = field(default=None, repr=False)  # of an UnexpectedRowsExpectation

    @property
    def label(self) -> str:
        """`expect_column_values_to_be_unique(invoice_id)`, or a check's description."""
        if self.column:
            return f"{self.expectation}({self.column})"
        return self.description or self.expectation

    @property
    def blocking(self) -> bool:
        return is_blocking(self.severity, self.success)

    def outcome(self) -> str:
        """`3 unexpected, e.g. [...]`, `observed 4, expected >= 5` or `raised: ...`."""
        if self.exception is not None:
            return f"raised: {self.exception.splitlines()[0][:300]}"
        if self.unexpected_count is None and self.observed_value is not None:
            expected = f", expected {self.expected_range}" if self.expected_range else ""
            return f"observed {self.observed_value:g}{expected}"
        sample = json.dumps(self.unexpected_sample[:3], default=str)
        return f"{self.unexpected_count} unexpected, e.g. {sample}"

    def failure(self) -> str:
        """`<label>: <outcome>`, or `<label> raised: ...`."""
        separator = " " if self.exception is not None else ": "
        return f"{self.label}{separator}{self.outcome()}"


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    layer: str
    schema: str
    table: str
    severity: str  # the suite's: the highest of its expectations'
    success: bool
    run_id: str
    validated_at: datetime
    expectations: list[ExpectationResult]
    skipped: str | None = None

    @property
    def blocking(self) -> bool:
        """A failed `error` expectation blocks downstream assets and publishing."""
        return any(e.blocking for e in self.expectations)

    @property
    def check_severity(self) -> str:
        """The severity this result reports as a check: `error` when it blocks, `warn`
        when it failed without blocking, else the suite's severity."""
        if self.blocking:
            return ERROR
        return self.severity if self.success else WARN

    @property
    def failed(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.success]

    @property
    def errors(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if e.exception is not None]

    def message(self) -> str:
        """One line naming the suite and each failing expectation."""
        if self.skipped:
            return f"{self.suite}: skipped ({self.skipped})"
        if self.success:
            return f"{self.suite}: passed {len(self.expectations)} expectations"
        severity = self.check_severity
        parts = [
            exp.failure() if exp.severity == severity else f"[{exp.severity}] {exp.failure()}"
            for exp in self.failed
        ]
        return f"{self.suite} [{severity}] failed: " + "; ".join(parts)

    def as_metadata(self) -> dict[str, str | int | float | bool]:
        """Plain values for Dagster metadata."""
        meta: dict[str, str | int | float | bool] = {
            "suite": self.suite,
            "layer": self.layer,
            "table": f"{self.schema}.{self.table}",
            "severity": self.severity,
            "success": bool(self.success),
            "blocking": self.blocking,
            "run_id": self.run_id,
            "expectations": len(self.expectations),
            "failed_expectations": len(self.failed),
            "raised_expectations": len(self.errors),
            "unexpected_total": int(sum(e.unexpected_count or 0 for e in self.failed)),
            "message": self.message(),
        }
        if self.skipped:
            meta["skipped"] = self.skipped
        for index, exp in enumerate(self.failed, start=1):
            meta[f"failed {index}: {exp.label}"] = exp.outcome()
        return meta


def raised(expectation: str, message: str, severity: str) -> ExpectationResult:
    """A check that could not run: failed, with its exception (never a pass)."""
    return ExpectationResult(
        expectation=expectation,
        column=None,
        description=None,
        success=False,
        severity=severity,
        exception=message,
    )


def plain(value: Any) -> Any:
    """numpy scalars -> int/float, Decimal -> float, dates and others -> str, recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy scalar (np.float64 too)
        return plain(value.item())
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def expectation_results(validation: ExpectationSuiteValidationResult) -> list[ExpectationResult]:
    return [_expectation_result(r) for r in validation.results]


def _exception_message(result: ExpectationValidationResult) -> str | None:
    """GX reports an exception either directly or per metric it failed to compute."""
    info = result.exception_info or {}
    candidates = [info] if "raised_exception" in info else list(info.values())
    messages = [
        str(c.get("exception_message") or "exception without message")
        for c in candidates
        if isinstance(c, dict) and c.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) if messages else None


def _number(value: Any) -> float | None:
    value = plain(value)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _range_text(kwargs: dict[str, Any]) -> str | None:
    """`>= 35 and <= 90` from an expectation's (substituted) min_value / max_value."""
    bounds = [
        f"{operator} {_number(kwargs[name]):g}"
        for name, operator in (("min_value", ">="), ("max_value", "<="))
        if _number(kwargs.get(name)) is not None
    ]
    return " and ".join(bounds) or None


def _expectation_result(r: ExpectationValidationResult) -> ExpectationResult:
    config = r.expectation_config
    kwargs = dict(config.kwargs) if config else {}
    column = kwargs.get("column") or (
        ",".join(kwargs["column_list"]) if kwargs.get("column_list") else None
    )
    res = r.result or {}
    exception = _exception_message(r)
    is_rows_query = config is not None and config.type == "unexpected_rows_expectation"
    if res.get("unexpected_count") is not None:
        count: int | None = int(res["unexpected_count"])
    elif is_rows_query and res.get("observed_value") is not None:
        count = int(res["observed_value"])
    else:
        count = None
    if count is None and r.success and exception is None and column is not None:
        count = 0  # GX leaves the count out on an empty table
    gx_severity = getattr(config, "severity", None)
    # an unknown GX severity counts as error: never weaker than meant
    severity = SEVERITY_OF_GX.get(str(getattr(gx_severity, "value", gx_severity)), ERROR)
    return ExpectationResult(
        expectation=config.type if config else "unknown",
        column=column,
        description=config.description if config else None,
        success=bool(r.success) and exception is None,
        severity=severity,
        unexpected_count=count,
        unexpected_sample=plain(list(res.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]),
        observed_value=None if is_rows_query else _number(res.get("observed_value")),
        expected_range=_range_text(kwargs),
        exception=exception,
        query=kwargs.get("unexpected_rows_query"),
    )


__all__ = [
    "SAMPLE_SIZE",
    "ExpectationResult",
    "SuiteResult",
    "expectation_results",
    "plain",
    "raised",
]
