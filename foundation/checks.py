"""Check severities and the one rule of what blocks.

A check (a dbt test or a GX suite) has a severity: `error` blocks what is
downstream of it and publishing, `warn` is reported only.
"""

from __future__ import annotations

ERROR = "error"
WARN = "warn"
SEVERITIES: tuple[str, ...] = (ERROR, WARN)


def can_block(severity: str) -> bool:
    """Whether a failure of a check with this severity blocks (Dagster's `blocking`)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown check severity {severity!r}; expected one of {SEVERITIES}")
    return severity == ERROR


def is_blocking(severity: str, passed: bool) -> bool:
    """A check result blocks downstream assets and publishing: it failed and can block."""
    return can_block(severity) and not passed
