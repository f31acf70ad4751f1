"""Turn the simulator's numeric columns into contract-shaped Arrow tables and files.

The simulator keeps every value as a number: ids as integer parts, enums as
codes, money as integer cents, timestamps as seconds and dates as days since
the first day of the run. This module formats them once per batch, vectorised:
fixed-width text (ids, timestamps) is laid out in NumPy from digit and date
lookup tables, the rest with Arrow kernels; then streams them into one file per
entity and period.
Column names and order, and the labels of the enums the contract owns, come
from `foundation.contract` (see `enums.py`), never restated here.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from foundation.contract import entity as contract_entity

from . import params as P
from .csat import CommentKind
from .enums import (
    ACTIVITY_TYPES,
    INVOICE_STATUSES,
    LEAD_STATUSES,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    QUOTE_STATUSES,
    QUOTE_TYPES,
    SEGMENTS,
)

NULL = np.int64(-(2**62))  # sentinel for a null in any integer-coded column
UNPARSEABLE = np.int64(-(2**62) + 1)  # timestamp sentinel: write a value no parser accepts
UNPARSEABLE_TEXT = "31/02/2024 25:61"
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}
# Rows per CSV text chunk: pyarrow's default (1024) costs ~15 % more CPU, 4x that costs each
# write ~0.3 MB more (16384: ~1.5 MB). Same bytes either way. The header is written once,
# when the file is opened; each append is a write_csv of its own: a pyarrow CSVWriter kept
# open holds on to the last table written to it until closed, so with a file per entity
# and quarter open the whole run, every batch's tables stayed in memory.
_CSV_HEADER = pacsv.WriteOptions(batch_size=4096)
_CSV_ROWS = pacsv.WriteOptions(batch_size=4096, include_header=False)
# Enum labels with one trailing label that the contract does not know (for bad rows).
BAD_ENUM = "unknown"
CURRENCY_LABELS = (*P.CURRENCIES, "JPY")  # JPY: a valid code with no FX rates at all
METHOD_LABELS = (*PAYMENT_METHODS, "crypto")
# Product ids, and one more that no products file has (usage of an unknown product).
PRODUCT_LABELS = (*(p.product_id for p in P.PRODUCTS), "PRD-UNKNOWN")

DAY = 86400
# Day tables cover this many days before and after the run's first day (a run spans at
# most MAX_MONTHS plus the contract horizon); other days get a table of their own.
_DAYS_BEFORE, _DAYS_AFTER = 400, 60 * 366


# ---------------------------------------------------------------------------------------
# Arrow arrays straight from NumPy buffers. pa.array(), pa.scalar() and compute calls
# with plain Python values make pyarrow import pandas to check the input type (seconds
# without a bytecode cache), so nothing here uses them: a run never imports pandas.
# ---------------------------------------------------------------------------------------
def _validity(null: np.ndarray | None) -> pa.Buffer | None:
    if null is None or not null.any():
        return None
    return pa.py_buffer(np.packbits(~null, bitorder="little"))


def ints(
    vals: np.ndarray, null: np.ndarray | None = None, type_: pa.DataType = pa.int64()
) -> pa.Array:
    """An Arrow array of `type_` (int64, or 32-bit: int32, date32) over `vals`."""
    data = np.ascontiguousarray(vals, dtype=np.int32 if type_.bit_width == 32 else np.int64)
    return pa.Array.from_buffers(type_, len(data), [_validity(null), pa.py_buffer(data)])


def bools(vals: np.ndarray) -> pa.Array:
    v = np.asarray(vals, dtype=bool)
    return pa.Array.from_buffers(
        pa.bool_(), len(v), [None, pa.py_buffer(np.packbits(v, bitorder="little"))]
    )


def strings(texts: Sequence[str]) -> pa.Array:
    """A string array from Python strings (labels, name pools)."""
    data = [t.encode() for t in texts]
    offsets = np.zeros(len(data) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in data], out=offsets[1:])
    return pa.Array.from_buffers(
        pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    )


@cache
def _labels(labels: tuple[str, ...]) -> pa.Array:
    return strings(labels)


@cache
def _text(value: str) -> pa.Scalar:
    return strings([value])[0]


# A fixed-width text is laid out from pieces: constant bytes, (integers, width) written
# zero-padded, or per-row bytes already laid out (a NumPy array of dtype V<width>).
Piece = bytes | tuple[np.ndarray, int] | np.ndarray


@cache
def _digits(width: int) -> np.ndarray:
    """Every `width`-digit zero-padded number as one V<width> item, by value."""
    v = np.arange(10**width)
    out = np.empty((10**width, width), dtype=np.uint8)
    for i in range(width - 1, -1, -1):
        out[:, i] = 48 + v % 10
        v = v // 10
    return out.view(f"V{width}").ravel()


def _layout(n: int, pieces: Sequence[Piece]) -> np.ndarray:
    """n rows of fixed-width text (dtype V<total width>) made of `pieces`."""
    fields: list[tuple[int, object]] = []  # (width, value) per field
    for piece in pieces:
        if isinstance(piece, bytes):
            fields.append((len(piece), np.frombuffer(piece, f"V{len(piece)}")[0]))
        elif isinstance(piece, tuple):
            vals, width = piece  # written as groups of at most 4 digits (table lookups)
            for left in range(0, width, 4):
                w = min(4, width - left)
                part = vals // 10 ** (width - left - w)
                fields.append((w, _digits(w)[part % 10**w if left else part]))
        else:
            fields.append((piece.dtype.itemsize, piece))
    dtype = np.dtype([(f"f{i}", f"V{w}") for i, (w, _) in enumerate(fields)])
    out = np.empty(n, dtype=dtype)
    for i, (_, value) in enumerate(fields):
        out[f"f{i}"] = value
    return out.view(f"V{dtype.itemsize}")


def _fixed(n: int, pieces: Sequence[Piece], null: np.ndarray | None = None) -> pa.Array:
    """A string array of n fixed-width texts laid out from `pieces`."""
    rows = _layout(n, pieces)
    width = rows.dtype.itemsize
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int64)
    if offsets[-1] >= 2**31:
        raise ValueError(f"{n} texts of {width} bytes exceed one Arrow string array")
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [_validity(null), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(rows)],
    )


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of days since 1970-01-01 (H. Hinnant's civil_from_days)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def _date_table(first: int, n: int) -> np.ndarray:
    """'YYYY-MM-DDT' (V11) for the n days from day `first` (days since 1970-01-01)."""
    y, m, d = _civil(np.arange(first, first + n, dtype=np.int64))
    return _layout(n, [(y, 4), b"-", (m, 2), b"-", (d, 2), b"T"])


@cache
def _time_table() -> np.ndarray:
    """'HH:MM:SSZ' (V9) for every second of a day."""
    s = np.arange(DAY)
    return _layout(DAY, [(s // 3600, 2), b":", (s % 3600 // 60, 2), b":", (s % 60, 2), b"Z"])


@dataclass
class Encoder:
    """Formats numeric columns; knows the run's first day and the output format."""

    epoch_day: int  # days from 1970-01-01 to the run's first day
    fmt: str
    id_width: int
    string_columns: frozenset[str] = frozenset()  # "entity.column" written as text in parquet

    def __post_init__(self) -> None:
        # built once here, before writer threads share them
        self._dates = _date_table(self.epoch_day - _DAYS_BEFORE, _DAYS_BEFORE + _DAYS_AFTER)
        _time_table()

    # -- primitives -----------------------------------------------------------------
    def ts(self, secs: np.ndarray, as_text: bool = False) -> pa.Array:
        secs = np.asarray(secs, dtype=np.int64)
        null = secs == NULL
        bad = secs == UNPARSEABLE
        clean = np.where(null | bad, 0, secs)
        if self.fmt == "parquet" and not as_text:
            arr = ints(clean + self.epoch_day * DAY, null)
            return arr.cast(pa.timestamp("s", tz="UTC")).cast(pa.timestamp("us", tz="UTC"))
        days = clean // DAY
        first, table = -_DAYS_BEFORE, self._dates
        if len(days) and (days.min() < first or days.max() >= first + len(table)):
            first = int(days.min())
            table = _date_table(self.epoch_day + first, int(days.max()) - first + 1)
        text = _fixed(len(secs), [table[days - first], _time_table()[clean - days * DAY]], null)
        if bad.any():
            text = pc.if_else(bools(bad), _text(UNPARSEABLE_TEXT), text)
        return text

    def date(self, days: np.ndarray) -> pa.Array:
        days = np.asarray(days, dtype=np.int64)
        null = days == NULL
        return ints(np.where(null, 0, days + self.epoch_day), null, pa.date32())

    @staticmethod
    def dec(units: np.ndarray, scale: int = 2) -> pa.Array:
        """Integer units of 10**-scale -> decimal(18, scale), exactly."""
        units = np.asarray(units, dtype=np.int64)
        null = units == NULL
        buf = np.empty((len(units), 2), dtype=np.int64)
        buf[:, 0] = np.where(null, 0, units)
        buf[:, 1] = buf[:, 0] >> 63  # the high word: -1 for a negative value, else 0
        return pa.Array.from_buffers(
            pa.decimal128(18, scale), len(units), [_validity(null), pa.py_buffer(buf)]
        )

    @staticmethod
    def int(vals: np.ndarray) -> pa.Array:
        vals = np.asarray(vals, dtype=np.int64)
        null = vals == NULL
        return ints(np.where(null, 0, vals), null)

    @staticmethod
    def bool(vals: np.ndarray) -> pa.Array:
        return bools(vals)

    @staticmethod
    def enum(codes: np.ndarray, labels: tuple[str, ...]) -> pa.Array:
        return Encoder.pick(_labels(labels), codes)  # NULL is negative too

    @staticmethod
    def pick(pool: pa.Array, idx: np.ndarray) -> pa.Array:
        """pool[idx]; a negative index gives a null."""
        idx = np.asarray(idx, dtype=np.int64)
        null = idx < 0
        return pool.take(ints(np.where(null, 0, idx), null))

    def num(self, vals: np.ndarray, width: int = 0) -> pa.Array:
        text = pc.cast(ints(np.asarray(vals, dtype=np.int64)), pa.string())
        return pc.utf8_lpad(text, width=width, padding="0") if width else text

    def ident(
        self, prefix: str, *parts: tuple[np.ndarray, int], null: np.ndarray | None = None
    ) -> pa.Array:
        """prefix + zero-padded parts joined by '-': ("Q", (g, 7), (seq, 3)) -> Q0000042-003.

        Width 0 means no padding. `null` marks rows whose id is null.
        """
        arrays = [np.asarray(v, dtype=np.int64) for v, _ in parts]
        widths = [max(w, 1) for _, w in parts]
        n = len(arrays[0])
        if all(
            len(a) == 0 or (a.min() >= 0 and a.max() < 10**w)
            for a, w in zip(arrays, widths, strict=True)
        ):
            pieces: list[Piece] = [prefix.encode()]
            for i, (a, w) in enumerate(zip(arrays, widths, strict=True)):
                pieces += [b"-", (a, w)] if i else [(a, w)]
            return _fixed(n, pieces, null)
        # a value wider than its width (bad rows' sequence numbers): variable width
        pieces = [self.num(v, w) for v, w in zip(arrays, (w for _, w in parts), strict=True)]
        text = pc.binary_join_element_wise(_text(prefix), pieces[0], _text(""))
        for piece in pieces[1:]:
            text = pc.binary_join_element_wise(text, piece, _text("-"))
        if null is not None and null.any():
            text = pc.if_else(bools(null), pa.nulls(1, pa.string())[0], text)
        return text

    # -- ids shared by several entities ---------------------------------------------------
    def account_id(self, g: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
        return self.ident("A", (g, self.id_width), null=null)

    def quote_id(self, g: np.ndarray, qseq: np.ndarray, null: np.ndarray | None = None):
        return self.ident("Q", (g, self.id_width), (qseq, 3), null=null)

    def invoice_id(self, g: np.ndarray, iseq: np.ndarray, prefix: str = "I") -> pa.Array:
        return self.ident(prefix, (g, self.id_width), (iseq, 4))

    def rep_id(self, rep: np.ndarray) -> pa.Array:
        return self.ident("R", (rep, 4))

    def lead_id(self, slot: np.ndarray, seq: np.ndarray, null: np.ndarray | None = None):
        return self.ident("L", (slot, self.id_width), (seq, 2), null=null)


@dataclass(frozen=True)
class Pools:
    """Faker-made names, drawn by index (per-row Faker calls are far too slow)."""

    company: pa.Array
    first: pa.Array
    last: pa.Array
    domain: pa.Array

    @property
    def size(self) -> int:
        return len(self.company)


@cache  # Arrow arrays are immutable: a process making several companies shares them
def make_pools(seed: int, size: int, locale: str) -> Pools:
    from faker import Faker

    # only the providers the pools use (Faker loads all 25 by default); unweighted
    # picks make the calls 20x faster
    providers = [f"faker.providers.{name}" for name in ("person", "company", "internet")]
    fake = Faker(locale, providers=providers, use_weighting=False)
    fake.seed_instance(seed)

    def ascii_lower(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())

    company = [fake.company() for _ in range(size)]
    first = [ascii_lower(fake.first_name()) or "billing" for _ in range(size)]
    last = [ascii_lower(fake.last_name()) or "team" for _ in range(size)]
    domain = [fake.domain_name() for _ in range(size)]
    return Pools(strings(company), strings(first), strings(last), strings(domain))


# ---------------------------------------------------------------------------------------
# Entity encoders: numeric chunk (dict of arrays) -> {contract column: Arrow array}
# ---------------------------------------------------------------------------------------
Chunk = dict[str, np.ndarray]


def _email(pools: Pools, c: Chunk) -> pa.Array:
    """first.last@domain from the name pools."""
    return pc.binary_join_element_wise(
        Encoder.pick(pools.first, c["first_i"]),
        _text("."),
        Encoder.pick(pools.last, c["last_i"]),
        _text("@"),
        Encoder.pick(pools.domain, c["dom_i"]),
        _text(""),
    )


def _accounts(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "account_id": e.account_id(c["g"]),
        "name": Encoder.pick(pools.company, c["name_i"]),
        "email": _email(pools, c),
        "industry": Encoder.enum(c["industry"], P.INDUSTRIES),
        "segment": Encoder.enum(c["segment"], (*SEGMENTS, BAD_ENUM)),
        "country": Encoder.enum(c["country"], tuple(k for k, _ in P.COUNTRIES)),
        "owner_rep_id": e.rep_id(c["rep"]),
        "acquisition_channel": Encoder.enum(c["channel"], P.CHANNELS),
        "created_at": e.ts(c["created_s"]),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _quotes(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "quote_id": e.quote_id(c["g"], c["qseq"]),
        "account_id": e.account_id(c["g"]),
        "owner_rep_id": e.rep_id(c["rep"]),
        "quote_type": Encoder.enum(c["qtype"], QUOTE_TYPES),
        "status": Encoder.enum(c["status"], (*QUOTE_STATUSES, BAD_ENUM)),
        "currency": Encoder.enum(c["currency"], CURRENCY_LABELS),
        "created_at": e.ts(c["created_s"]),
        "sent_at": e.ts(c["sent_s"]),
        "decided_at": e.ts(c["decided_s"]),
        "contract_start_date": e.date(c["start_d"]),
        "term_months": Encoder.int(c["term"]),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _quote_lines(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "quote_line_id": e.ident("Q", (c["g"], e.id_width), (c["qseq"], 3), (c["lseq"], 0)),
        "quote_id": e.quote_id(c["g"], c["qseq"]),
        "product_id": Encoder.enum(c["product"], tuple(p.product_id for p in P.PRODUCTS)),
        "quantity": Encoder.dec(c["qty"], 0),
        "unit_price": Encoder.dec(c["unit_c"]),
        "discount_pct": Encoder.dec(c["disc"], 0),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _invoices(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    qseq = np.asarray(c["qseq"])
    return {
        "invoice_id": e.invoice_id(c["g"], c["iseq"]),
        "invoice_number": e.invoice_id(c["g"], c["iseq"], prefix="INV-"),
        "account_id": e.account_id(c["g"]),
        "quote_id": e.quote_id(c["g"], np.maximum(qseq, 0), null=qseq < 0),
        "status": Encoder.enum(c["status"], (*INVOICE_STATUSES, BAD_ENUM)),
        "currency": Encoder.enum(c["currency"], CURRENCY_LABELS),
        "issued_at": e.date(c["issued_d"]),
        "due_at": e.date(c["due_d"]),
        "total_amount": Encoder.dec(c["total_c"]),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(np.zeros(len(qseq), dtype=bool)),
    }


_LINE_DESCRIPTIONS = (
    *(p.name for p in P.PRODUCTS),
    *(f"Prorated: {p.name}" for p in P.PRODUCTS),
)


def _invoice_lines(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    n = len(c["g"])
    return {
        "invoice_line_id": e.ident("I", (c["g"], e.id_width), (c["iseq"], 4), (c["lseq"], 0)),
        "invoice_id": e.invoice_id(c["g"], c["iseq"]),
        "product_id": Encoder.enum(c["product"], tuple(p.product_id for p in P.PRODUCTS)),
        "description": Encoder.enum(c["desc"], _LINE_DESCRIPTIONS),
        "quantity": Encoder.dec(c["qty"], 0),
        "unit_amount": Encoder.dec(c["unit_c"]),
        "amount": Encoder.dec(c["amount_c"]),
        "period_start": e.date(c["pstart_d"]),
        "period_end": e.date(c["pend_d"]),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(np.zeros(n, dtype=bool)),
    }


def _payments(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    as_text = "payments.received_at" in e.string_columns
    return {
        "payment_id": e.ident("P", (c["g"], e.id_width), (c["iseq"], 4), (c["pseq"], 0)),
        "invoice_id": e.invoice_id(c["g"], c["iseq"]),
        "account_id": e.account_id(c["acct_g"], null=~np.asarray(c["has_acct"], dtype=bool)),
        "amount": Encoder.dec(c["amount_c"]),
        "currency": Encoder.enum(c["currency"], CURRENCY_LABELS),
        "received_at": e.ts(c["received_s"], as_text=as_text),
        "method": Encoder.enum(c["method"], METHOD_LABELS),
        "status": Encoder.enum(c["status"], PAYMENT_STATUSES),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(np.zeros(len(c["g"]), dtype=bool)),
    }


def _products(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    idx = c["product"]
    prods = [P.PRODUCTS[i] for i in idx]
    interval = np.array([p.billing_interval_months or NULL for p in prods], dtype=np.int64)
    unit_cost_c = np.array(
        [NULL if p.unit_cost is None else round(p.unit_cost * 100) for p in prods], dtype=np.int64
    )
    return {
        "product_id": strings([p.product_id for p in prods]),
        "sku": strings([p.sku for p in prods]),
        "name": strings([p.name for p in prods]),
        "family": strings([p.family for p in prods]),
        "pricing_model": strings([p.pricing_model for p in prods]),
        "billing_interval_months": Encoder.int(interval),
        "list_price": Encoder.dec(np.array([round(p.list_price * 100) for p in prods])),
        "currency": strings(["USD"] * len(prods)),
        "unit_cost": Encoder.dec(unit_cost_c),
        "is_active": Encoder.bool(c["is_active"]),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _fx_rates(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "currency": Encoder.enum(c["currency"], CURRENCY_LABELS),
        "rate_date": e.date(c["day"]),
        "usd_per_unit": Encoder.dec(c["rate_e4"], 4),
    }


def _sales_targets(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "owner_rep_id": e.rep_id(c["rep"]),
        "month": e.date(c["day"]),
        "target_amount_usd": Encoder.dec(c["amount_c"]),
    }


def _marketing_spend(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "month": e.date(c["day"]),
        "channel": Encoder.enum(c["channel"], P.CHANNELS),
        "amount_usd": Encoder.dec(c["amount_c"]),
    }


def _unset(ids: object) -> tuple[np.ndarray, np.ndarray]:
    """(ids with 0 where unset, where unset): a negative id is a null reference."""
    ids = np.asarray(ids, dtype=np.int64)
    return np.maximum(ids, 0), ids < 0


def _leads(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    account_g, no_account = _unset(c["account_g"])
    as_text = "leads.qualified_at" in e.string_columns
    return {
        "lead_id": e.lead_id(c["g"], c["lseq"]),
        "created_at": e.ts(c["created_s"]),
        "source_channel": Encoder.enum(c["channel"], P.CHANNELS),
        "owner_rep_id": e.rep_id(c["rep"]),
        "status": Encoder.enum(c["status"], (*LEAD_STATUSES, BAD_ENUM)),
        "qualified_at": e.ts(c["qualified_s"], as_text=as_text),
        "converted_at": e.ts(c["converted_s"]),
        "converted_account_id": e.account_id(account_g, null=no_account),
        "email": _email(pools, c),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _activities(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    account_g, no_account = _unset(c["acct_g"])
    qseq, no_quote = _unset(c["qseq"])
    lead_g, no_lead = _unset(c["lead_g"])
    lead_seq, _ = _unset(c["lead_seq"])
    as_text = "activities.occurred_at" in e.string_columns
    return {
        "activity_id": e.ident("ACT", (c["g"], e.id_width), (c["aseq"], 4)),
        "owner_rep_id": e.rep_id(c["rep"]),
        "activity_type": Encoder.enum(c["atype"], (*ACTIVITY_TYPES, BAD_ENUM)),
        "occurred_at": e.ts(c["occurred_s"], as_text=as_text),
        "account_id": e.account_id(account_g, null=no_account),
        "lead_id": e.lead_id(lead_g, lead_seq, null=no_lead),
        "quote_id": e.quote_id(account_g, qseq, null=no_quote),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _forecast_submissions(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    as_text = "forecast_submissions.submitted_at" in e.string_columns
    return {
        "owner_rep_id": e.rep_id(c["rep"]),
        "forecast_month": e.date(c["month_d"]),
        "submitted_at": e.ts(c["submitted_s"], as_text=as_text),
        "commit_amount_usd": Encoder.dec(c["commit_c"]),
        "best_case_amount_usd": Encoder.dec(c["best_c"]),
    }


# Comment texts: the feedback of every band (params.CSAT_COMMENTS), in order.
_COMMENT_TEXTS = tuple(text for band in P.CSAT_COMMENTS for text in band)


def _comment(e: Encoder, c: Chunk, pools: Pools) -> pa.Array:
    """Feedback text, "Please call me at <e-mail>", "Call me on <phone>" or null."""
    kind = np.asarray(c["ckind"], dtype=np.int64)
    phone = np.asarray(c["phone"], dtype=np.int64)
    email = pc.binary_join_element_wise(_text("Please call me at "), _email(pools, c), _text(""))
    digits = [(phone // 10_000, 2), b"-", (phone % 10_000, 4)]
    call = _fixed(len(kind), [b"Call me on +1 555 01", *digits])
    text = Encoder.enum(np.where(kind == CommentKind.TEXT, c["ctext"], NULL), _COMMENT_TEXTS)
    text = pc.if_else(bools(kind == CommentKind.EMAIL), email, text)
    return pc.if_else(bools(kind == CommentKind.PHONE), call, text)


def _csat_responses(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    as_text = "csat_responses.responded_at" in e.string_columns
    return {
        "response_id": e.ident("CS", (c["g"], e.id_width), (c["cseq"], 4)),
        "account_id": e.account_id(c["g"]),
        "responded_at": e.ts(c["responded_s"], as_text=as_text),
        "score": Encoder.int(c["score"]),
        "comment": _comment(e, c, pools),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(c["is_deleted"]),
    }


def _product_usage(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    return {
        "account_id": e.account_id(c["g"]),
        "product_id": Encoder.enum(c["product"], PRODUCT_LABELS),
        "month": e.date(c["month_d"]),
        "licensed_seats": Encoder.int(c["seats"]),
        "active_users": Encoder.int(c["active"]),
        "new_users": Encoder.int(c["new"]),
    }


ENCODERS: dict[str, Callable[[Encoder, Chunk, Pools], dict[str, pa.Array]]] = {
    "products": _products,
    "accounts": _accounts,
    "quotes": _quotes,
    "quote_lines": _quote_lines,
    "invoices": _invoices,
    "invoice_lines": _invoice_lines,
    "payments": _payments,
    "fx_rates": _fx_rates,
    "sales_targets": _sales_targets,
    "marketing_spend": _marketing_spend,
    "leads": _leads,
    "activities": _activities,
    "forecast_submissions": _forecast_submissions,
    "csat_responses": _csat_responses,
    "product_usage": _product_usage,
}
KEY_PARTS = {"accounts", "quotes", "quote_lines", "invoices", "invoice_lines", "payments"}


def encode(name: str, e: Encoder, chunk: Chunk, pools: Pools) -> pa.Table:
    """A contract-shaped table: exactly the contract's columns, in its order."""
    cols = ENCODERS[name](e, chunk, pools)
    names = contract_entity(name).column_names
    if set(cols) != set(names):
        raise RuntimeError(
            f"generator encoder for {name} writes {sorted(cols)}, the contract has {list(names)}"
        )
    return pa.table([cols[n] for n in names], names=list(names))


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------
@dataclass
class _File:
    path: Path
    rows: int = 0
    writer: object = None
    handle: object = None


@dataclass
class Sink:
    """One open writer per (entity, period); rows are appended batch after batch."""

    out: Path
    fmt: str
    files: dict[tuple[str, str], _File] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    _ducks: list = field(default_factory=list)  # DuckDB connections (jsonl only)

    def relpath(self, entity: str, label: str) -> str:
        return f"{entity}/{label}.{EXTENSIONS[self.fmt]}"

    def write(self, entity: str, label: str, table: pa.Table) -> int:
        """Append `table`; returns the number of data rows the file held before it."""
        key = (entity, label)
        f = self.files.get(key)
        if f is None:
            path = self.out / self.relpath(entity, label)
            path.parent.mkdir(parents=True, exist_ok=True)
            f = _File(path)
            if self.fmt == "csv":
                f.handle = open(path, "wb")  # noqa: SIM115 - closed in close()
                pacsv.write_csv(table.slice(0, 0), f.handle, write_options=_CSV_HEADER)
            elif self.fmt == "parquet":
                import pyarrow.parquet as pq

                f.writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            else:
                f.handle = open(path, "wb")  # noqa: SIM115 - closed in close()
            self.files[key] = f
        before = f.rows
        if len(table):
            if self.fmt == "jsonl":
                f.handle.write(self._jsonl(table))
            elif self.fmt == "csv":
                pacsv.write_csv(table, f.handle, write_options=_CSV_ROWS)
            else:
                f.writer.write_table(table)
            f.rows += len(table)
        return before

    def _jsonl(self, table: pa.Table) -> bytes:
        duck = getattr(self._local, "duck", None)
        if duck is None:  # one in-memory DuckDB per writer thread
            import duckdb

            duck = self._local.duck = duckdb.connect()
            self._ducks.append(duck)
        duck.register("chunk", table)
        try:
            lines = duck.sql("select to_json(chunk) as j from chunk").to_arrow_table()
        finally:
            duck.unregister("chunk")
        col = lines.column(0).combine_chunks()
        joined = pc.binary_join(
            pa.ListArray.from_arrays(ints(np.array([0, len(col)]), type_=pa.int32()), col), "\n"
        )
        return joined[0].as_py().encode() + b"\n"

    def close(self) -> None:
        for f in self.files.values():
            if f.writer is not None:
                f.writer.close()
            if f.handle is not None:
                f.handle.close()
        for duck in self._ducks:
            duck.close()
        self._ducks.clear()


def write_manifest(out: Path, rows: list[tuple]) -> Path:
    path = out / "_manifest" / "bad_rows.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["entity", "file", "row_number", "key", "kind", "reason_code", "expected_fate"])
        w.writerows(rows)
    return path
