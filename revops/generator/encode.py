"""Turn the simulator's numeric columns into contract-shaped Arrow tables and files.

The simulator keeps every value as a number: ids as integer parts, enums as
codes, money as integer cents, timestamps as seconds and dates as days since
the first day of the run. This module formats them once per batch with
vectorised Arrow kernels and streams them into one file per entity and period.
Column names and order come from `ingestion.contract`, never restated here.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingestion.contract import entity as contract_entity

from . import params as P

NULL = np.int64(-(2**62))  # sentinel for a null in any integer-coded column
UNPARSEABLE = np.int64(-(2**62) + 1)  # timestamp sentinel: write a value no parser accepts
UNPARSEABLE_TEXT = "31/02/2024 25:61"
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}
# Enum labels with one trailing label that the contract does not know (for bad rows).
BAD_ENUM = "unknown"
CURRENCY_LABELS = (*P.CURRENCIES, "JPY")  # JPY: a valid code with no FX rates at all
METHOD_LABELS = (*P.PAYMENT_METHODS, "crypto")

_TIME_OF_DAY: pa.Array | None = None


def time_of_day() -> pa.Array:
    global _TIME_OF_DAY
    if _TIME_OF_DAY is None:
        s = np.arange(86400)
        _TIME_OF_DAY = pa.array(
            [
                f"T{h:02d}:{m:02d}:{x:02d}Z"
                for h, m, x in zip(s // 3600, s % 3600 // 60, s % 60, strict=True)
            ]
        )
    return _TIME_OF_DAY


@dataclass
class Encoder:
    """Formats numeric columns; knows the run's first day and the output format."""

    epoch_day: int  # days from 1970-01-01 to the run's first day
    fmt: str
    id_width: int
    string_columns: frozenset[str] = frozenset()  # "entity.column" written as text in parquet

    # -- primitives -----------------------------------------------------------------
    def ts(self, secs: np.ndarray, as_text: bool = False) -> pa.Array:
        secs = np.asarray(secs, dtype=np.int64)
        null = secs == NULL
        bad = secs == UNPARSEABLE
        clean = np.where(null | bad, 0, secs)
        if self.fmt == "parquet" and not as_text:
            arr = pa.array(clean + self.epoch_day * 86400, mask=null, type=pa.int64())
            return arr.cast(pa.timestamp("s", tz="UTC")).cast(pa.timestamp("us", tz="UTC"))
        days = pa.array((clean // 86400 + self.epoch_day).astype(np.int32), type=pa.int32())
        text = pc.binary_join_element_wise(
            pc.cast(days.cast(pa.date32()), pa.string()),
            time_of_day().take(pa.array(clean % 86400)),
            "",
        )
        if bad.any():
            text = pc.if_else(pa.array(bad), pa.scalar(UNPARSEABLE_TEXT), text)
        if null.any():
            text = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), text)
        return text

    def date(self, days: np.ndarray) -> pa.Array:
        days = np.asarray(days, dtype=np.int64)
        null = days == NULL
        vals = np.where(null, 0, days + self.epoch_day).astype(np.int32)
        return pa.array(vals, mask=null, type=pa.int32()).cast(pa.date32())

    @staticmethod
    def dec(units: np.ndarray, scale: int = 2) -> pa.Array:
        """Integer units of 10**-scale -> decimal(18, scale), exactly."""
        units = np.asarray(units, dtype=np.int64)
        null = units == NULL
        vals = np.where(null, 0, units)
        buf = np.empty(2 * len(vals), dtype=np.int64)
        buf[0::2] = vals
        buf[1::2] = np.where(vals < 0, -1, 0)
        validity = None
        if null.any():
            validity = pa.array(~null).buffers()[1]
        return pa.Array.from_buffers(
            pa.decimal128(18, scale), len(vals), [validity, pa.py_buffer(buf.tobytes())]
        )

    @staticmethod
    def int(vals: np.ndarray) -> pa.Array:
        vals = np.asarray(vals, dtype=np.int64)
        null = vals == NULL
        return pa.array(np.where(null, 0, vals), mask=null if null.any() else None)

    @staticmethod
    def bool(vals: np.ndarray) -> pa.Array:
        return pa.array(np.asarray(vals, dtype=bool))

    @staticmethod
    def enum(codes: np.ndarray, labels: tuple[str, ...]) -> pa.Array:
        codes = np.asarray(codes, dtype=np.int64)
        null = (codes < 0) | (codes == NULL)
        idx = pa.array(np.where(null, 0, codes), mask=null if null.any() else None)
        return pa.array(labels, pa.string()).take(idx)

    @staticmethod
    def pick(pool: pa.Array, idx: np.ndarray) -> pa.Array:
        idx = np.asarray(idx, dtype=np.int64)
        null = idx < 0
        return pool.take(pa.array(np.where(null, 0, idx), mask=null if null.any() else None))

    def num(self, vals: np.ndarray, width: int = 0) -> pa.Array:
        text = pc.cast(pa.array(np.asarray(vals, dtype=np.int64)), pa.string())
        return pc.utf8_lpad(text, width=width, padding="0") if width else text

    def ident(self, prefix: str, *parts: tuple[np.ndarray, int]) -> pa.Array:
        """prefix + zero-padded parts joined by '-': ("Q", (g, 7), (seq, 3)) -> Q0000042-003."""
        arrays = [np.asarray(v, dtype=np.int64) for v, _ in parts]
        widths = [max(w, 1) for _, w in parts]
        fits = all(
            len(a) == 0 or (a.min() >= 0 and a.max() < 10**w)
            for a, w in zip(arrays, widths, strict=True)
        )
        if fits and sum(widths) + len(widths) <= 18:
            # Fast path: one integer "1<part1>1<part2>..." cast to text, then the
            # sentinel 1s are replaced by the prefix and the dashes (lpad is slow).
            number = np.zeros(len(arrays[0]), dtype=np.int64)
            for a, w in zip(arrays, widths, strict=True):
                number = (number * 10 + 1) * 10**w + a
            text = pc.cast(pa.array(number), pa.string())
            pos = 1 + widths[0]
            for w in widths[1:]:
                text = pc.utf8_replace_slice(text, start=pos, stop=pos + 1, replacement="-")
                pos += 1 + w
            return pc.utf8_replace_slice(text, start=0, stop=1, replacement=prefix)
        pieces = [self.num(v, w) for v, w in zip(arrays, (w for _, w in parts), strict=True)]
        joined = pc.binary_join_element_wise(*pieces, "-") if len(pieces) > 1 else pieces[0]
        return pc.binary_join_element_wise(pa.scalar(prefix), joined, "")

    def ident_null(self, arr: pa.Array, null: np.ndarray) -> pa.Array:
        if null.any():
            return pc.if_else(pa.array(null), pa.scalar(None, pa.string()), arr)
        return arr

    # -- ids shared by several entities ---------------------------------------------------
    def account_id(self, g: np.ndarray) -> pa.Array:
        return self.ident("A", (g, self.id_width))

    def quote_id(self, g: np.ndarray, qseq: np.ndarray) -> pa.Array:
        return self.ident("Q", (g, self.id_width), (qseq, 3))

    def invoice_id(self, g: np.ndarray, iseq: np.ndarray) -> pa.Array:
        return self.ident("I", (g, self.id_width), (iseq, 4))

    def rep_id(self, rep: np.ndarray) -> pa.Array:
        return self.ident("R", (rep, 4))


@dataclass
class Pools:
    """Faker-made names, drawn by index (per-row Faker calls are far too slow)."""

    company: pa.Array
    first: pa.Array
    last: pa.Array
    domain: pa.Array

    @property
    def size(self) -> int:
        return len(self.company)


def make_pools(seed: int, size: int, locale: str) -> Pools:
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed)

    def ascii_lower(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())

    company = [fake.company() for _ in range(size)]
    first = [ascii_lower(fake.first_name()) or "billing" for _ in range(size)]
    last = [ascii_lower(fake.last_name()) or "team" for _ in range(size)]
    domain = [fake.domain_name() for _ in range(size)]
    return Pools(pa.array(company), pa.array(first), pa.array(last), pa.array(domain))


# ---------------------------------------------------------------------------------------
# Entity encoders: numeric chunk (dict of arrays) -> {contract column: Arrow array}
# ---------------------------------------------------------------------------------------
Chunk = dict[str, np.ndarray]


def _accounts(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    email = pc.binary_join_element_wise(
        Encoder.pick(pools.first, c["first_i"]),
        pa.scalar("."),
        Encoder.pick(pools.last, c["last_i"]),
        pa.scalar("@"),
        Encoder.pick(pools.domain, c["dom_i"]),
        "",
    )
    return {
        "account_id": e.account_id(c["g"]),
        "name": Encoder.pick(pools.company, c["name_i"]),
        "email": email,
        "industry": Encoder.enum(c["industry"], P.INDUSTRIES),
        "segment": Encoder.enum(c["segment"], (*P.SEGMENTS, BAD_ENUM)),
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
        "quote_type": Encoder.enum(c["qtype"], P.QUOTE_TYPES),
        "status": Encoder.enum(c["status"], (*P.QUOTE_STATUSES, BAD_ENUM)),
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
    iid = e.invoice_id(c["g"], c["iseq"])
    qseq = np.asarray(c["qseq"])
    return {
        "invoice_id": iid,
        "invoice_number": pc.binary_join_element_wise(
            pa.scalar("INV-"), pc.utf8_slice_codeunits(iid, 1), ""
        ),
        "account_id": e.account_id(c["g"]),
        "quote_id": e.ident_null(e.quote_id(c["g"], np.maximum(qseq, 0)), qseq < 0),
        "status": Encoder.enum(c["status"], (*P.INVOICE_STATUSES, BAD_ENUM)),
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
    acct = e.account_id(c["acct_g"])
    as_text = "payments.received_at" in e.string_columns
    return {
        "payment_id": e.ident("P", (c["g"], e.id_width), (c["iseq"], 4), (c["pseq"], 0)),
        "invoice_id": e.invoice_id(c["g"], c["iseq"]),
        "account_id": e.ident_null(acct, ~np.asarray(c["has_acct"], dtype=bool)),
        "amount": Encoder.dec(c["amount_c"]),
        "currency": Encoder.enum(c["currency"], CURRENCY_LABELS),
        "received_at": e.ts(c["received_s"], as_text=as_text),
        "method": Encoder.enum(c["method"], METHOD_LABELS),
        "status": Encoder.enum(c["status"], P.PAYMENT_STATUSES),
        "updated_at": e.ts(c["updated_s"]),
        "is_deleted": Encoder.bool(np.zeros(len(c["g"]), dtype=bool)),
    }


def _products(e: Encoder, c: Chunk, pools: Pools) -> dict[str, pa.Array]:
    idx = c["product"]
    prods = [P.PRODUCTS[i] for i in idx]
    interval = np.array([p.billing_interval_months or NULL for p in prods], dtype=np.int64)
    return {
        "product_id": pa.array([p.product_id for p in prods], pa.string()),
        "sku": pa.array([p.sku for p in prods], pa.string()),
        "name": pa.array([p.name for p in prods], pa.string()),
        "family": pa.array([p.family for p in prods], pa.string()),
        "pricing_model": pa.array([p.pricing_model for p in prods], pa.string()),
        "billing_interval_months": Encoder.int(interval),
        "list_price": Encoder.dec(np.array([round(p.list_price * 100) for p in prods])),
        "currency": pa.array(["USD"] * len(prods), pa.string()),
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
    _ducks: list[duckdb.DuckDBPyConnection] = field(default_factory=list)

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
                f.writer = pacsv.CSVWriter(f.handle, table.schema)
            elif self.fmt == "parquet":
                f.writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            else:
                f.handle = open(path, "wb")  # noqa: SIM115 - closed in close()
            self.files[key] = f
        before = f.rows
        if len(table):
            if self.fmt == "jsonl":
                f.handle.write(self._jsonl(table))
            else:
                f.writer.write_table(table)
            f.rows += len(table)
        return before

    def _jsonl(self, table: pa.Table) -> bytes:
        duck = getattr(self._local, "duck", None)
        if duck is None:  # one in-memory DuckDB per writer thread
            duck = self._local.duck = duckdb.connect()
            self._ducks.append(duck)
        duck.register("chunk", table)
        try:
            lines = duck.sql("select to_json(chunk) as j from chunk").to_arrow_table()
        finally:
            duck.unregister("chunk")
        col = lines.column(0).combine_chunks()
        joined = pc.binary_join(
            pa.ListArray.from_arrays(pa.array([0, len(col)], pa.int32()), col), "\n"
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
