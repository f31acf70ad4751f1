"""Bad rows of the sales entities (leads, activities, forecast submissions).

As in `badrows.py`: each bad row carries exactly one defect and a fresh key,
and goes to the manifest. The sales entities have a rotation and random
streams of their own, so the other entities' files are the same with or
without them. Fresh keys: lead and activity ids with sequence numbers >=
900000 (no good lead or activity numbers that far); a forecast row gets a
`submitted_at` that no row of its rep and month has.

Invalid rows (quarantined by the loader): a lead without `created_at`, or with
an unknown status, `qualified_at` unreadable or before `created_at`,
`converted_at` before `created_at`, or converted without `converted_at` or
`converted_account_id`; an activity without a type, with an unknown type or an
unreadable `occurred_at`; a forecast without a commit, with a negative commit,
an unreadable `submitted_at` or a `forecast_month` that is not a first day.
Unresolved rows (flagged by dbt): a lead converted into an account that never
lands; an activity on a quote or a lead that never lands.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .badrows import Defect, DefectRotation, as_columns
from .batch import DAY, HOUR
from .encode import NULL, UNPARSEABLE
from .enums import ACTIVITY_TYPES, LEAD_STATUSES, LeadStatus

FRESH_SEQ = 900_000


class _Context:
    """Random access to a batch's good lead and activity versions for the builders."""

    def __init__(self, chunks: dict[str, dict[str, np.ndarray]], rng, end_s: int) -> None:
        self.chunks, self.rng, self.end_s = chunks, rng, end_s
        leads = chunks.get("leads") or {}
        acts = chunks.get("activities") or {}
        self.open_leads = self._where(
            leads, lambda c: ~c["is_deleted"] & (c["status"] != LeadStatus.CONVERTED)
        )
        self.qualified_leads = self._where(
            leads,
            lambda c: (
                ~c["is_deleted"]
                & (c["status"] != LeadStatus.CONVERTED)
                & (c["qualified_s"] != NULL)
            ),
        )
        self.converted_leads = self._where(leads, lambda c: c["status"] == LeadStatus.CONVERTED)
        self.activities = self._where(acts, lambda c: ~c["is_deleted"])
        self.deal_activities = self._where(acts, lambda c: ~c["is_deleted"] & (c["qseq"] >= 0))
        self.lead_activities = self._where(acts, lambda c: ~c["is_deleted"] & (c["lead_g"] >= 0))

    @staticmethod
    def _where(chunk: dict[str, np.ndarray], test) -> np.ndarray:
        return np.flatnonzero(test(chunk)) if chunk else np.array([], dtype=np.int64)

    def pick(self, entity: str, candidates: np.ndarray, k: int, **changes) -> dict | None:
        """A copy of a random candidate row with a fresh key, a later version time and
        `changes`; None without candidates."""
        if not len(candidates):
            return None
        i = int(candidates[self.rng.integers(0, len(candidates))])
        row = {name: column[i].item() for name, column in self.chunks[entity].items()}
        seq = "lseq" if entity == "leads" else "aseq"
        row.update({seq: FRESH_SEQ + k, "is_deleted": False})
        row["updated_s"] = min(row["updated_s"] + 60, self.end_s - 1)
        row.update({name: (v(row) if callable(v) else v) for name, v in changes.items()})
        return row


Builder = Callable[[_Context, int, int], dict | None]


def _lead(candidates: str, **changes) -> Builder:
    def build(ctx: _Context, k: int, total_accounts: int) -> dict | None:
        return ctx.pick("leads", getattr(ctx, candidates), k, **changes)

    return build


def _activity(candidates: str, **changes) -> Builder:
    def build(ctx: _Context, k: int, total_accounts: int) -> dict | None:
        return ctx.pick("activities", getattr(ctx, candidates), k, **changes)

    return build


def _orphan_lead(ctx: _Context, k: int, total_accounts: int) -> dict | None:
    # converted into an account number past the population: it never lands
    return ctx.pick("leads", ctx.converted_leads, k, account_g=total_accounts + k)


def _orphan_quote_activity(ctx: _Context, k: int, total_accounts: int) -> dict | None:
    return ctx.pick("activities", ctx.deal_activities, k, qseq=FRESH_SEQ + k)


def _orphan_lead_activity(ctx: _Context, k: int, total_accounts: int) -> dict | None:
    return ctx.pick("activities", ctx.lead_activities, k, lead_seq=FRESH_SEQ + k)


# The rotation: every reason the sales entities can carry, each in a few forms.
DEFECTS: tuple[Defect, ...] = (
    Defect("missing_required", "leads", _lead("open_leads", created_s=NULL)),
    Defect("unparseable", "activities", _activity("activities", occurred_s=UNPARSEABLE)),
    Defect(
        "out_of_range", "leads", _lead("open_leads", qualified_s=lambda r: r["created_s"] - DAY)
    ),
    Defect("unknown_enum", "leads", _lead("open_leads", status=len(LEAD_STATUSES))),
    Defect("required_when", "leads", _lead("converted_leads", account_g=-1)),
    Defect("orphan_reference", "leads", _orphan_lead),
    Defect("missing_required", "activities", _activity("activities", atype=NULL)),
    Defect("unparseable", "leads", _lead("qualified_leads", qualified_s=UNPARSEABLE)),
    Defect(
        "out_of_range",
        "leads",
        _lead("converted_leads", converted_s=lambda r: r["created_s"] - HOUR),
    ),
    Defect("unknown_enum", "activities", _activity("activities", atype=len(ACTIVITY_TYPES))),
    Defect("required_when", "leads", _lead("converted_leads", converted_s=NULL)),
    Defect("orphan_reference", "activities", _orphan_quote_activity),
    Defect("orphan_reference", "activities", _orphan_lead_activity),
)


class SalesInjector(DefectRotation):
    """Builds the bad leads and activities of one batch from its good ones."""

    defects = DEFECTS
    kinds = len(DEFECTS)
    context = _Context


# Forecast rows: (reason, change) in rotation order.
FORECAST_DEFECTS: tuple[tuple[str, dict[str, Callable[[dict], int]]], ...] = (
    ("missing_required", {"commit_c": lambda r: NULL}),
    ("out_of_range", {"commit_c": lambda r: -max(r["commit_c"], 100)}),
    ("unparseable", {"submitted_s": lambda r: UNPARSEABLE}),
    ("out_of_range", {"month_d": lambda r: r["month_d"] + 14}),  # the 15th
)


def forecast_bad_rows(
    chunk: dict[str, np.ndarray], rate: float, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], list[str]] | None:
    """About `rate` of the forecast rows' count in bad rows (at least one), rotating
    through FORECAST_DEFECTS, each a copy of a random good row with a fresh key."""
    count = len(chunk.get("rep", ()))
    if rate <= 0 or not count:
        return None
    key_columns = (chunk["rep"].tolist(), chunk["month_d"].tolist(), chunk["submitted_s"].tolist())
    keys = set(zip(*key_columns, strict=True))
    rows, reasons = [], []
    for k in range(max(1, round(rate * count))):
        reason, changes = FORECAST_DEFECTS[k % len(FORECAST_DEFECTS)]
        row = _fresh_forecast(chunk, changes, keys, rng)
        if row is None:
            continue  # every rep and month already has an unreadable submission
        keys.add((row["rep"], row["month_d"], row["submitted_s"]))
        rows.append(row)
        reasons.append(reason)
    if not rows:
        return None
    return as_columns({"forecast_submissions": (rows, reasons)})["forecast_submissions"]


def _fresh_forecast(
    chunk: dict[str, np.ndarray], changes: dict, keys: set, rng: np.random.Generator
) -> dict | None:
    """A random good row with `changes`, a second later until no row has its key (an
    unreadable time cannot move: another rep or month is tried)."""
    for _ in range(20):
        i = int(rng.integers(0, len(chunk["rep"])))
        row = {name: column[i].item() for name, column in chunk.items()}
        row.update({name: change(row) for name, change in changes.items()})
        while (row["rep"], row["month_d"], row["submitted_s"]) in keys:
            if row["submitted_s"] == UNPARSEABLE:
                break
            row["submitted_s"] += 1
        else:
            return row
    return None
