"""What one batch of the simulation is built on: the run's calendar, the row
versions a batch emits (`Rows`), the run-wide tallies, and the random draws
shared by the accounts (`accounts.py`) and their lifecycle (`simulate.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

DAY = 86400
HOUR = 3600


@dataclass(frozen=True)
class Calendar:
    start: np.datetime64  # first day of the first month
    months: int
    horizon: int  # months of calendar kept after the end (contracts run past it)

    @classmethod
    def build(cls, start: str, months: int) -> Calendar:
        return cls(np.datetime64(start, "M").astype("datetime64[D]"), months, months + 60)

    @property
    def epoch_day(self) -> int:
        return int(self.start.astype("datetime64[D]").astype(np.int64))

    @cached_property
    def month_day(self) -> np.ndarray:
        """Day offset of the first day of month k, for k in 0..months+horizon."""
        first = self.start.astype("datetime64[M]")
        ms = np.arange(first, first + self.months + self.horizon + 1, dtype="datetime64[M]")
        return (ms.astype("datetime64[D]") - self.start).astype(np.int64)

    @property
    def end_s(self) -> int:
        return int(self.month_day[self.months]) * DAY

    @cached_property
    def month_s(self) -> np.ndarray:
        return self.month_day * DAY

    def month_of(self, secs: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.month_s, secs, side="right") - 1


class Rows:
    """Numeric row versions of one batch, per entity; drops versions after the end.

    Column names are the numeric schema `encode.py` formats: `g` is the account
    number, `qseq`, `iseq`, `lseq` and `pseq` are quote, invoice, line and payment
    sequence numbers; `_s` is seconds and `_d` days since the run's first day, `_c`
    cents; enums are codes (`enums.py`, `params.py`).

    `add` only keeps references (a column may be one value for all its rows); `take`
    builds each column with one concatenation and one gather, once per entity (a
    writer thread may take an entity that the bad-row injector took before).
    """

    def __init__(self, end_s: int) -> None:
        self.end_s = end_s
        self.parts: dict[str, list[tuple[int, dict[str, object]]]] = defaultdict(list)
        self.taken: dict[str, dict[str, np.ndarray]] = {}

    def add(self, entity: str, **cols: object) -> None:
        n = len(cols["updated_s"])
        if n:
            self.parts[entity].append((n, cols))

    def take(self, entity: str) -> dict[str, np.ndarray]:
        """The entity's rows before the end, in `updated_s` order (ties: order added)."""
        if entity not in self.taken:
            self.taken[entity] = self._gather(self.parts.pop(entity, []))
        return self.taken[entity]

    def _gather(self, parts: list[tuple[int, dict[str, object]]]) -> dict[str, np.ndarray]:
        sizes = [n for n, _ in parts]
        upd = np.concatenate([np.asarray(c["updated_s"], dtype=np.int64) for _, c in parts] or [[]])
        keep = np.flatnonzero(upd < self.end_s)
        if not len(keep):
            return {}
        order = keep[np.argsort(upd[keep], kind="stable")]
        out = {}
        for name in parts[0][1]:
            vals = [c[name] for _, c in parts]
            arrays = [isinstance(v, np.ndarray) and v.ndim > 0 for v in vals]
            if not any(arrays):  # one value per part
                col = np.repeat(np.array(vals), sizes)
            else:
                col = np.concatenate(
                    [
                        v if is_array else np.full(n, v)
                        for n, v, is_array in zip(sizes, vals, arrays, strict=True)
                    ]
                )
            out[name] = col[order]
        return out


def select_rows(v: object, mask: np.ndarray) -> object:
    """v[mask] for a column, v itself for one value shared by all rows."""
    return v[mask] if isinstance(v, np.ndarray) and v.ndim else v


def subset_rows(columns: dict[str, object], mask: np.ndarray) -> dict[str, object]:
    return {name: select_rows(v, mask) for name, v in columns.items()}


def by_segment(seg: np.ndarray, values: tuple) -> np.ndarray:
    return np.asarray(values)[seg]


def choice_by_segment(rng: np.random.Generator, seg: np.ndarray, mixes: tuple) -> np.ndarray:
    cum = np.cumsum(np.asarray(mixes, dtype=float), axis=1)[seg]
    u = rng.random(len(seg))
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def pick_by_segment(rng: np.random.Generator, seg: np.ndarray, table: tuple) -> np.ndarray:
    width = max(len(r) for r in table)
    padded = np.array([list(r) + [r[-1]] * (width - len(r)) for r in table])
    lens = np.array([len(r) for r in table])[seg]
    idx = np.floor(rng.random(len(seg)) * lens).astype(np.int64)
    return padded[seg, idx]


def number_within(group: np.ndarray, order_by: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each group, in `order_by` order (ties: the order given); the
    sequence part of the ids of leads and activities."""
    order = np.lexsort((order_by, group))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    seq = np.empty(len(order), dtype=np.int64)
    seq[order] = np.arange(len(order)) - group_start
    return seq


def random_days(rng: np.random.Generator, lo_hi: tuple[int, int], n: int) -> np.ndarray:
    return rng.integers(lo_hi[0], lo_hi[1] + 1, n) * DAY  # int64 already


def office_time(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into a working day (08:00-18:00)."""
    return rng.integers(8 * HOUR, 18 * HOUR, n)


@dataclass
class Accumulators:
    """Small run-wide tallies that the reference entities are built from."""

    # (months, channels): accounts created (duplicates aside); the marketing spend is
    # drawn from them, not from the leads (whose own random stream moves no other file)
    accounts_created: np.ndarray
    bookings: np.ndarray  # (reps, months): accepted quote value in USD (and forecasts)
