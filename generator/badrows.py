"""Bad rows with known answers: each carries exactly one defect and a fresh key.

A bad row never reuses a good key (so it can never become the winning version
of good data and hide it). Ids are made fresh with sequence numbers no good
row uses (>= 900000 for quotes, lines and invoices, >= 100000 for payments)
or account numbers past the population. The ground truth goes to
`_manifest/bad_rows.csv` (see `encode.write_manifest`). The optional sales
entities' bad rows come from a rotation of their own (`badrows_sales.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from foundation.contract import INVALID_CODES, REASON_BY_CODE, UNRESOLVED_CODES

from . import params as P
from .batch import DAY, HOUR
from .encode import NULL, UNPARSEABLE
from .enums import CARD, PAYMENT_METHODS, InvoiceStatus, PaymentStatus, QuoteStatus

# Every reason code of the contract, invalid ones first: the order the
# injector rotates through (each at least once per run).
REASON_CODES: tuple[str, ...] = (*INVALID_CODES, *UNRESOLVED_CODES)


def kind_of(reason: str) -> tuple[str, str]:
    """(kind, expected fate) of a reason code."""
    known = REASON_BY_CODE[reason]
    return known.kind, known.fate


BadRows = dict[str, tuple[dict[str, np.ndarray], list[str]]]  # entity -> (columns, reasons)
Built = list[tuple[str, dict, str | None]]  # [(entity, row, reason; None: a good companion)]


class Rotation:
    """Bad rows of a run, batch by batch: how many a batch gets (`rate` of its good rows,
    the fraction carried to the next batch; at least one of each of the `kinds` of defect
    in the first batch), built by rotating through the kinds. The counter picks the next
    kind and makes fresh keys."""

    kinds: int  # kinds of defect (set by each injector)
    # the every-kind minimum of the first batch stays under this share of its good rows
    # (None: no limit); an entity with few rows is not flooded with bad ones
    most_forced: float | None = None

    def __init__(self, total_accounts: int, end_s: int) -> None:
        self.total_accounts = total_accounts
        self.end_s = end_s
        self.counter = 0  # bad rows tried so far in the run (drives the rotation)
        self.carry = 0.0

    def how_many(self, rate: float, good_rows: int, first_batch: bool) -> int:
        want = rate * good_rows + self.carry
        n = int(want)
        self.carry = want - n
        if first_batch and rate > 0:
            forced = self.kinds  # every kind at least once per run
            if self.most_forced is not None:
                forced = min(forced, int(self.most_forced * good_rows))
            n = max(n, forced)
        return n

    def rotate(self, n: int, build: Callable[[int, int], Built]) -> BadRows:
        """`n` bad rows (fewer if the batch lacks what some need): `build(kind, counter)`
        makes the rows of the next kind, none when the batch lacks what it needs."""
        out: dict[str, tuple[list[dict], list[str]]] = {}
        made = 0
        tries = 0
        while made < n and tries < n + self.kinds:
            kind = self.counter % self.kinds
            self.counter += 1
            tries += 1
            built = build(kind, self.counter)
            if not built:
                continue  # this batch lacks the rows the defect needs
            made += 1
            for entity, row, code in built:
                recs, codes = out.setdefault(entity, ([], []))
                recs.append(row)
                codes.append(code or "")
        return as_columns(out)


class Defect(NamedTuple):
    """One kind of bad row of an optional entity's rotation."""

    reason: str
    entity: str
    build: Callable[[Any, int, int], dict | None]  # (context, counter, total accounts) -> row


class DefectRotation(Rotation):
    """A rotation through a table of `defects`, each built from a `context` of the batch's
    good rows (`badrows_sales.py`, `badrows_success.py`)."""

    defects: tuple[Defect, ...]
    context: Callable[[dict[str, dict[str, np.ndarray]], np.random.Generator, int], Any]

    def make(
        self, n: int, chunks: dict[str, dict[str, np.ndarray]], rng: np.random.Generator
    ) -> BadRows:
        ctx = self.context(chunks, rng, self.end_s)

        def build(kind: int, k: int) -> Built:
            defect = self.defects[kind]
            row = defect.build(ctx, k, self.total_accounts)
            return [(defect.entity, row, defect.reason)] if row is not None else []

        return self.rotate(n, build)


def as_columns(built: dict[str, tuple[list[dict], list[str]]]) -> BadRows:
    """entity -> (rows, reason per row) as entity -> (numeric columns, reasons)."""
    result = {}
    for entity, (recs, codes) in built.items():
        cols = {k: np.array([r[k] for r in recs]) for k in recs[0]}
        result[entity] = (cols, codes)
    return result


class Injector(Rotation):
    """Builds the bad rows of one batch from that batch's good rows."""

    kinds = len(REASON_CODES)

    def make(
        self, n: int, chunks: dict[str, dict[str, np.ndarray]], rng: np.random.Generator
    ) -> BadRows:
        """entity -> (numeric columns of its bad rows, reason code per row)."""
        ctx = _Context(chunks, rng, self.end_s)
        builders: dict[str, Callable[[_Context, int], Built]] = {
            "missing_required": self._missing_required,
            "unparseable": self._unparseable,
            "out_of_range": self._out_of_range,
            "unknown_enum": self._unknown_enum,
            "required_when": self._required_when,
            "orphan_reference": self._orphan,
            "missing_fx_rate": self._missing_fx,
            "currency_mismatch": self._currency_mismatch,
            "account_mismatch": self._account_mismatch,
            "total_mismatch": self._total_mismatch,
        }
        return self.rotate(n, lambda kind, k: builders[REASON_CODES[kind]](ctx, k))

    # -- one builder per reason; each returns [(entity, row, reason or None)] ------------
    def _missing_required(self, ctx: _Context, k: int):
        a = ctx.account()
        if a is None:
            return []
        row = {**a, "g": self.total_accounts + k, "name_i": -1, "is_deleted": False}
        return [("accounts", row, "missing_required")]

    def _payment(self, ctx: _Context, k: int, **over) -> dict | None:
        inv = ctx.invoice()
        if inv is None:
            return None
        t = min(int(inv["updated_s"]) + DAY, self.end_s - 1)
        row = {
            "g": inv["g"],
            "iseq": inv["iseq"],
            "pseq": 100000 + k,
            "acct_g": inv["g"],
            "has_acct": True,
            "currency": inv["currency"],
            "method": CARD,
            "amount_c": max(1, int(inv["total_c"]) // 2),
            "received_s": t,
            "status": PaymentStatus.SUCCEEDED,
            "updated_s": t,
        }
        row.update({key: (v(inv) if callable(v) else v) for key, v in over.items()})
        return row

    def _unparseable(self, ctx: _Context, k: int):
        row = self._payment(ctx, k, received_s=UNPARSEABLE)
        return [("payments", row, "unparseable")] if row else []

    def _unknown_enum(self, ctx: _Context, k: int):
        row = self._payment(ctx, k, method=len(PAYMENT_METHODS))  # -> "crypto"
        return [("payments", row, "unknown_enum")] if row else []

    def _orphan(self, ctx: _Context, k: int):
        # an invoice id that never arrives; USD so no other check can apply
        row = self._payment(ctx, k, iseq=900000 + k, pseq=1, currency=0)
        return [("payments", row, "orphan_reference")] if row else []

    def _currency_mismatch(self, ctx: _Context, k: int):
        row = self._payment(ctx, k, currency=lambda inv: 1 if inv["currency"] == 0 else 0)
        return [("payments", row, "currency_mismatch")] if row else []

    def _account_mismatch(self, ctx: _Context, k: int):
        row = self._payment(ctx, k)
        if row is None:
            return []
        other = ctx.account(exclude=int(row["g"]))
        if other is None:
            return []
        row["acct_g"] = other["g"]
        return [("payments", row, "account_mismatch")]

    def _out_of_range(self, ctx: _Context, k: int):
        ql = ctx.row("quote_lines", ctx.live("quote_lines"))
        if ql is None:
            return []
        row = {
            **ql,
            "lseq": 900000 + k,
            "disc": 150,
            "updated_s": min(int(ql["updated_s"]) + 60, self.end_s - 1),
        }
        return [("quote_lines", row, "out_of_range")]

    def _required_when(self, ctx: _Context, k: int):
        q = ctx.row("quotes", ctx.live("quotes"))
        if q is None:
            return []
        created = int(q["created_s"])
        start = q["start_d"] if q["start_d"] != NULL else created // DAY + 30
        row = {
            **q,
            "qseq": 900000 + k,
            "status": QuoteStatus.ACCEPTED,  # but decided_at is missing
            "sent_s": created + HOUR,
            "decided_s": NULL,
            "start_d": start,
            "term": q["term"] if q["term"] != NULL and q["term"] >= 1 else 12,
            "updated_s": min(created + 2 * HOUR, self.end_s - 1),
            "is_deleted": False,
        }
        return [("quotes", row, "required_when")]

    def _invoice(self, ctx: _Context, k: int, currency: int, total_c: int) -> dict | None:
        inv = ctx.invoice()
        if inv is None:
            return None
        return {
            "g": inv["g"],
            "iseq": 900000 + k,
            "qseq": -1,
            "currency": currency,
            "issued_d": inv["issued_d"],
            "due_d": inv["due_d"],
            "total_c": total_c,
            "status": InvoiceStatus.OPEN,
            "updated_s": min(int(inv["updated_s"]) + DAY, self.end_s - 1),
        }

    def _missing_fx(self, ctx: _Context, k: int):
        # JPY has no rate at all; no lines and a zero total, so no other check applies
        row = self._invoice(ctx, k, currency=len(P.CURRENCIES), total_c=0)
        return [("invoices", row, "missing_fx_rate")] if row else []

    def _total_mismatch(self, ctx: _Context, k: int):
        row = self._invoice(ctx, k, currency=0, total_c=10500)
        if row is None:
            return []
        line = {
            "g": row["g"],
            "iseq": row["iseq"],
            "lseq": 1,
            "product": P.P_TRN,
            "desc": P.P_TRN,
            "qty": 1,
            "unit_c": 10000,
            "amount_c": 10000,  # the invoice says 105.00
            "pstart_d": NULL,
            "pend_d": NULL,
            "updated_s": row["updated_s"],
        }
        return [("invoices", row, "total_mismatch"), ("invoice_lines", line, None)]


class _Context:
    """Random access to a batch's good rows for the builders."""

    def __init__(self, chunks: dict[str, dict[str, np.ndarray]], rng, end_s: int) -> None:
        self.chunks = chunks
        self.rng = rng
        self.end_s = end_s
        self._invoices = self._good_invoices()
        acc = chunks.get("accounts", {})
        if acc:
            deleted = np.unique(acc["g"][acc["is_deleted"]])
            ok = ~acc["is_deleted"] & ~np.isin(acc["g"], deleted)
            self._accounts = np.flatnonzero(ok)
        else:
            self._accounts = np.array([], dtype=np.int64)

    def _good_invoices(self) -> np.ndarray:
        inv = self.chunks.get("invoices", {})
        if not inv:
            return np.array([], dtype=np.int64)
        key = inv["g"] * 1_000_000 + inv["iseq"]
        void = np.unique(key[inv["status"] == InvoiceStatus.VOID])
        ok = (inv["status"] == InvoiceStatus.OPEN) & ~np.isin(key, void) & (inv["total_c"] > 0)
        return np.flatnonzero(ok)

    def row(self, entity: str, candidates: np.ndarray) -> dict | None:
        if len(candidates) == 0:
            return None
        i = int(candidates[self.rng.integers(0, len(candidates))])
        return {k: v[i].item() for k, v in self.chunks[entity].items()}

    def live(self, entity: str) -> np.ndarray:
        c = self.chunks.get(entity, {})
        return np.flatnonzero(~c["is_deleted"]) if c else np.array([], dtype=np.int64)

    def invoice(self) -> dict | None:
        return self.row("invoices", self._invoices)

    def account(self, exclude: int | None = None) -> dict | None:
        cand = self._accounts
        if exclude is not None and len(cand):
            cand = cand[self.chunks["accounts"]["g"][cand] != exclude]
        return self.row("accounts", cand)
