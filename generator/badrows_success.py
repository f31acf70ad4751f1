"""Bad rows of the customer-success entities (CSAT responses, product usage).

As in `badrows.py` and `badrows_sales.py`: each bad row carries exactly one
defect and a fresh key, and goes to the manifest. Each entity has a rotation
and a random stream of its own (so each gets about the rate of its own rows,
and the other entities' files are the same with or without them). Fresh keys:
response ids with sequence numbers >= 900000; a usage row moves to the legacy
product (which no account uses), or to an account or a product that never
lands, and no two bad rows share a key.

Invalid rows (quarantined by the loader): a response without a score, with a
score of 0 or 6, or an unreadable `responded_at`; a usage row without
`active_users`, with more new users than active ones, or a `month` that is not
a first day. Unresolved rows (flagged by dbt): a response or a usage row of an
account that never lands, a usage row of a product that never lands.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import params as P
from .badrows import Defect, DefectRotation
from .encode import NULL, PRODUCT_LABELS, UNPARSEABLE

FRESH_SEQ = 900_000
UNKNOWN_PRODUCT = len(PRODUCT_LABELS) - 1  # "PRD-UNKNOWN": no products file has it


class _Context:
    """Random access to a batch's good responses and usage rows for the builders."""

    def __init__(self, chunks: dict[str, dict[str, np.ndarray]], rng, end_s: int) -> None:
        self.chunks, self.rng, self.end_s = chunks, rng, end_s
        responses = chunks.get("csat_responses") or {}
        usage = chunks.get("product_usage") or {}
        self.responses = self._where(responses, lambda c: ~c["is_deleted"])
        self.usage = self._where(usage, lambda c: c["active"] > 0)
        self.usage_keys: set[tuple[int, int, int]] = set()  # keys the bad usage rows took

    @staticmethod
    def _where(chunk: dict[str, np.ndarray], test) -> np.ndarray:
        return np.flatnonzero(test(chunk)) if chunk else np.array([], dtype=np.int64)

    def _row(self, entity: str, candidates: np.ndarray) -> dict | None:
        if not len(candidates):
            return None
        i = int(candidates[self.rng.integers(0, len(candidates))])
        return {name: column[i].item() for name, column in self.chunks[entity].items()}

    def response(self, k: int, **changes) -> dict | None:
        """A copy of a random good response with a fresh id, a later version time and
        `changes`; None without responses."""
        row = self._row("csat_responses", self.responses)
        if row is None:
            return None
        row.update(cseq=FRESH_SEQ + k, is_deleted=False)
        row["updated_s"] = min(row["updated_s"] + 60, self.end_s - 1)
        row.update({name: (v(row) if callable(v) else v) for name, v in changes.items()})
        return row

    def usage_row(self, **changes) -> dict | None:
        """A copy of a random good usage row with `changes` (by default on the legacy
        product, so its key is fresh); None without rows or if its key is taken."""
        row = self._row("product_usage", self.usage)
        if row is None:
            return None
        changes = {"product": P.P_LEGACY, **changes}  # each computed from the good row
        row.update({name: (v(row) if callable(v) else v) for name, v in changes.items()})
        key = (row["g"], row["product"], row["month_d"])
        if key in self.usage_keys:
            return None
        self.usage_keys.add(key)
        return row


Builder = Callable[[_Context, int, int], dict | None]


def _response(**changes) -> Builder:
    def build(ctx: _Context, k: int, total_accounts: int) -> dict | None:
        return ctx.response(k, **changes)

    return build


def _usage(**changes) -> Builder:
    def build(ctx: _Context, k: int, total_accounts: int) -> dict | None:
        return ctx.usage_row(**changes)

    return build


def _orphan_response(ctx: _Context, k: int, total_accounts: int) -> dict | None:
    return ctx.response(k, g=total_accounts + k)  # an account number past the population


def _orphan_account_usage(ctx: _Context, k: int, total_accounts: int) -> dict | None:
    return ctx.usage_row(g=total_accounts + k, product=lambda r: r["product"])


def _unknown_product_usage(ctx: _Context, k: int, total_accounts: int) -> dict | None:
    return ctx.usage_row(product=UNKNOWN_PRODUCT)


# The rotations, one per entity, so each gets about the rate of its own rows (CSAT
# responses are far fewer than usage rows).
CSAT_DEFECTS: tuple[Defect, ...] = (
    Defect("missing_required", "csat_responses", _response(score=NULL)),
    Defect("out_of_range", "csat_responses", _response(score=0)),
    Defect("orphan_reference", "csat_responses", _orphan_response),
    Defect("out_of_range", "csat_responses", _response(score=6)),
    Defect("unparseable", "csat_responses", _response(responded_s=UNPARSEABLE)),
)
USAGE_DEFECTS: tuple[Defect, ...] = (
    Defect("out_of_range", "product_usage", _usage(new=lambda r: r["active"] + 1)),
    Defect("missing_required", "product_usage", _usage(active=NULL)),
    Defect("orphan_reference", "product_usage", _orphan_account_usage),
    Defect("out_of_range", "product_usage", _usage(month_d=lambda r: r["month_d"] + 14)),
    Defect("orphan_reference", "product_usage", _unknown_product_usage),
)


class CsatInjector(DefectRotation):
    """Builds the bad responses of one batch from its good ones; a small company's few
    responses get no more bad rows than the share `most_forced` for the sake of every
    kind (the raw layer warns above 5 % quarantined)."""

    defects = CSAT_DEFECTS
    kinds = len(CSAT_DEFECTS)
    context = _Context
    most_forced = 0.04


class UsageInjector(DefectRotation):
    """Builds the bad usage rows of one batch from its good ones."""

    defects = USAGE_DEFECTS
    kinds = len(USAGE_DEFECTS)
    context = _Context
    most_forced = 0.04
