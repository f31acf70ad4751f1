"""Why a row is bad: the reason codes of the contract's two kinds of bad rows.

Kind `invalid` (decided from the row alone) is quarantined by the loader into
`audit.quarantine`; kind `unresolved` (decided against other rows) is flagged
by dbt in `audit.flagged` and used once later data resolves it. The
generator's bad-row manifest uses the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass

INVALID = "invalid"
UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class Reason:
    code: str
    kind: str  # INVALID or UNRESOLVED
    description: str

    @property
    def fate(self) -> str:
        """What happens to such a row: `quarantined` or `flagged`."""
        return "quarantined" if self.kind == INVALID else "flagged"


REASONS: tuple[Reason, ...] = (
    Reason("missing_required", INVALID, "a required field is null or empty"),
    Reason("unparseable", INVALID, "a value cannot be read as the column's contract type"),
    Reason("out_of_range", INVALID, "a value is outside the column's allowed range"),
    Reason("unknown_enum", INVALID, "a value is not one of the column's allowed values"),
    Reason(
        "required_when",
        INVALID,
        "a field required by the row's other values (e.g. status) is null",
    ),
    Reason("orphan_reference", UNRESOLVED, "a reference to a key that has not arrived"),
    Reason(
        "missing_fx_rate", UNRESOLVED, "no FX rate for the currency on or before the row's date"
    ),
    Reason("currency_mismatch", UNRESOLVED, "a payment's currency differs from its invoice's"),
    Reason("account_mismatch", UNRESOLVED, "a payment's account differs from its invoice's"),
    Reason(
        "total_mismatch",
        UNRESOLVED,
        "an invoice's total differs from the sum of its lines by more than 0.01",
    ),
)
REASON_BY_CODE: dict[str, Reason] = {r.code: r for r in REASONS}
INVALID_CODES: tuple[str, ...] = tuple(r.code for r in REASONS if r.kind == INVALID)
UNRESOLVED_CODES: tuple[str, ...] = tuple(r.code for r in REASONS if r.kind == UNRESOLVED)
