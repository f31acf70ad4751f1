"""`generate()`: run the simulation batch by batch and stream a landing folder.

Per batch of accounts: the simulation (`simulate.py`), then the batch's leads
(`leads.py`), activities (`activities.py`), and, from the accounts' health
(`health.py`), product usage (`usage.py`) and CSAT responses (`csat.py`), from
random streams of their own;
after the last batch, the reference entities drawn from the run's tallies
(sales targets, marketing spend, forecast submissions: `forecasts.py`).
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from foundation.contract import ENTITIES
from foundation.contract import entity as contract_entity

from . import params as P
from .activities import make_activities
from .badrows import BadRows, Injector, kind_of
from .badrows_sales import SalesInjector, forecast_bad_rows
from .badrows_success import CsatInjector, UsageInjector
from .batch import DAY, Accumulators, Calendar, Rows
from .csat import make_csat
from .encode import Encoder, Pools, Sink, encode, ints, make_pools, write_manifest
from .forecasts import make_forecasts
from .health import Customers, account_health
from .leads import make_leads
from .simulate import SimulatedBatch, simulate_batch
from .usage import make_usage

BATCH_ACCOUNTS = 10_000
WRITER_THREADS = 2
FORMATS = ("csv", "parquet", "jsonl")
MAX_MONTHS = 240
MAX_BAD_ROWS = 0.5
TX_ENTITIES = ("accounts", "quotes", "quote_lines", "invoices", "invoice_lines", "payments")
SALES_ENTITIES = ("leads", "activities")  # optional entities made batch by batch too
SUCCESS_ENTITIES = ("csat_responses", "product_usage")  # ... and these
BATCH_ENTITIES = (*TX_ENTITIES, *SALES_ENTITIES, *SUCCESS_ENTITIES)
# Timestamp columns that may hold an unreadable bad value: text, not timestamps, in Parquet.
UNPARSEABLE_COLUMNS = frozenset(
    {
        "payments.received_at",
        "leads.qualified_at",
        "activities.occurred_at",
        "forecast_submissions.submitted_at",
        "csat_responses.responded_at",
    }
)
# Random streams: the simulation's is [seed, batch]; these are the others'.
LEADS_STREAM, ACTIVITIES_STREAM = 8_000_001, 8_000_002
TX_BAD_ROWS_STREAM, SALES_BAD_ROWS_STREAM = 9_000_001, 9_000_002
FORECASTS_STREAM, FORECAST_BAD_ROWS_STREAM = 7_000_003, 9_000_003
HEALTH_STREAM, USAGE_STREAM, CSAT_STREAM = 8_000_003, 8_000_004, 8_000_005
CSAT_BAD_ROWS_STREAM, USAGE_BAD_ROWS_STREAM = 9_000_004, 9_000_005


@dataclass(frozen=True)
class GenerateDefaults:
    """The demo company: what `revops generate` makes without options."""

    accounts: int = 2000
    start: str = "2023-01"
    months: int = 36
    seed: int = 42
    fmt: str = "csv"
    bad_rows: float = 0.0


DEFAULTS = GenerateDefaults()


@dataclass
class GenerateSummary:
    out: Path
    fmt: str
    accounts: int
    months: int
    rows: dict[str, int]
    bad_rows: int
    files: list[str]
    seconds: float
    manifest: Path | None = None
    bad_rows_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else float("inf")

    def render(self) -> str:
        width = max(len(e) for e in self.rows) if self.rows else 6
        lines = [
            f"Generated {self.accounts:,} accounts over {self.months} months "
            f"({self.fmt}) into {self.out}",
            f"{'entity':<{width}}  {'rows':>12}",
        ]
        lines += [f"{e:<{width}}  {n:>12,}" for e, n in self.rows.items()]
        lines.append(f"{'total':<{width}}  {self.total_rows:>12,}")
        if self.bad_rows:
            lines.append(f"bad rows injected: {self.bad_rows:,} (manifest {self.manifest})")
        lines.append(
            f"{len(self.files)} files in {self.seconds:.2f} s: {self.rows_per_second:,.0f} rows/s"
        )
        return "\n".join(lines)


def _check_args(accounts: int, start: str, months: int, seed: int, fmt: str, bad_rows: float):
    if not isinstance(accounts, int) or accounts < 1:
        raise ValueError(f"--accounts must be a whole number >= 1, got {accounts!r}")
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(start))
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1970 <= int(m.group(1)) <= 2200:
        raise ValueError(f"--start must be a month written YYYY-MM (e.g. 2023-01), got {start!r}")
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"--months must be a whole number from 1 to {MAX_MONTHS}, got {months!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"--seed must be a whole number >= 0, got {seed!r}")
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not 0 <= bad_rows <= MAX_BAD_ROWS:
        raise ValueError(f"--bad-rows must be a rate from 0 to {MAX_BAD_ROWS}, got {bad_rows!r}")
    if bad_rows > 0 and accounts < 2:
        raise ValueError("--bad-rows needs at least 2 accounts (an account mismatch needs two)")


def _prepare(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ValueError(f"--out {out} is not empty; choose a new folder or overwrite it")
        for name in [e.name for e in ENTITIES] + ["_manifest"]:
            if (out / name).is_dir():
                shutil.rmtree(out / name)
    out.mkdir(parents=True, exist_ok=True)


def _use_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def generate(
    out: Path,
    *,
    accounts: int = DEFAULTS.accounts,
    start: str = DEFAULTS.start,
    months: int = DEFAULTS.months,
    seed: int = DEFAULTS.seed,
    fmt: str = DEFAULTS.fmt,
    bad_rows: float = DEFAULTS.bad_rows,
    progress: bool | None = None,
    overwrite: bool = False,
    params: P.Params = P.PARAMS,
) -> GenerateSummary:
    """Write a landing folder (docs/landing-contract.md) for a simulated B2B SaaS company.

    Same arguments, byte-identical files. Memory is bounded by one batch of
    `BATCH_ACCOUNTS` accounts. With `bad_rows` > 0, about that share of rows is
    bad (one defect each) and `<out>/_manifest/bad_rows.csv` lists them.
    """
    _check_args(accounts, start, months, seed, fmt, bad_rows)
    params.validate()
    out = Path(out)
    _prepare(out, overwrite)
    t0 = time.perf_counter()
    cal = Calendar.build(start, months)
    pools = make_pools(seed, params.name_pool_size, params.faker_locale)
    string_cols = UNPARSEABLE_COLUMNS if fmt == "parquet" and bad_rows > 0 else frozenset()
    enc = Encoder(cal.epoch_day, fmt, max(6, len(str(accounts - 1))), string_cols)
    sink = Sink(out, fmt)
    run = _Run(cal, params, enc, pools, sink, accounts, seed, bad_rows)
    try:
        run.reference_upfront()
        run.batches(_use_progress(progress))
        run.reference_after()
    finally:
        sink.close()
    manifest = write_manifest(out, run.manifest)
    seconds = time.perf_counter() - t0
    files = sorted(sink.relpath(e, label) for e, label in sink.files)
    order = [e.name for e in ENTITIES]
    rows = {e: run.rows[e] for e in order if e in run.rows}
    return GenerateSummary(
        out=out,
        fmt=fmt,
        accounts=accounts,
        months=months,
        rows=rows,
        bad_rows=len(run.manifest),
        files=files,
        seconds=seconds,
        manifest=manifest,
        bad_rows_by_reason=run.by_reason,
    )


class _Run:
    def __init__(self, cal, params, enc, pools: Pools, sink: Sink, accounts, seed, bad_rows):
        self.cal, self.p, self.enc, self.pools, self.sink = cal, params, enc, pools, sink
        self.accounts, self.seed, self.bad_rate = accounts, seed, bad_rows
        self.n_reps = max(3, -(-accounts // params.accounts_per_rep))
        self.acc = Accumulators(
            accounts_created=np.zeros((cal.months + cal.horizon + 1, len(P.CHANNELS))),
            bookings=np.zeros((self.n_reps, cal.months)),
        )
        self.rows: dict[str, int] = {}
        self.manifest: list[tuple] = []
        self.by_reason: dict[str, int] = {}
        self.injector = Injector(accounts, cal.end_s)
        self.sales_injector = SalesInjector(accounts, cal.end_s)
        self.csat_injector = CsatInjector(accounts, cal.end_s)
        self.usage_injector = UsageInjector(accounts, cal.end_s)
        first = cal.start.astype("datetime64[M]").astype(np.int64)
        month_key = (first + np.arange(len(cal.month_day))) // 3  # quarter number per month
        self.quarter_of_month = month_key

    # -- writing ------------------------------------------------------------------------------
    def _write(self, entity: str, chunk: dict, bad: tuple[dict, list[str]] | None = None) -> None:
        self._record(entity, *self._encode_write(entity, chunk, bad))

    def _record(self, entity: str, n: int, entries: list[tuple]) -> None:
        self.rows[entity] = self.rows.get(entity, 0) + n
        for entry in entries:
            self.manifest.append(entry)
            self.by_reason[entry[5]] = self.by_reason.get(entry[5], 0) + 1

    def _encode_write(
        self, entity: str, chunk: dict, bad: tuple[dict, list[str]] | None
    ) -> tuple[int, list[tuple]]:
        """Encode one entity's rows of a batch and append them; runs in a writer thread."""
        entries: list[tuple] = []
        if chunk:  # rows come in `updated_s` order (Rows.take)
            table = encode(entity, self.enc, chunk, self.pools)
            q = self._quarters(chunk["updated_s"])
        else:
            table, q = None, np.array([], dtype=np.int64)
        bad_table, bad_q, reasons = None, np.array([], dtype=np.int64), []
        if bad is not None:
            cols, reasons = bad
            bad_table = encode(entity, self.enc, cols, self.pools)
            bad_q = self._quarters(cols["updated_s"])
        key_name = contract_entity(entity).key
        for quarter in np.unique(np.concatenate([q, bad_q])):
            label = self._quarter_label(int(quarter))
            parts = []
            if table is not None:
                lo, hi = np.searchsorted(q, quarter, "left"), np.searchsorted(q, quarter, "right")
                parts.append(table.slice(lo, hi - lo))
            good_n = sum(len(t) for t in parts)
            bad_idx = np.flatnonzero(bad_q == quarter)
            if len(bad_idx):
                parts.append(bad_table.take(ints(bad_idx)))
            before = self.sink.write(
                entity, label, pa.concat_tables(parts) if len(parts) > 1 else parts[0]
            )
            if len(bad_idx):
                keys = parts[-1].select(list(key_name)).to_pylist()
                path = self.sink.relpath(entity, label)
                for j, i in enumerate(bad_idx):
                    code = reasons[i]
                    if not code:
                        continue  # a good companion row (a line of a bad invoice)
                    kind, fate = kind_of(code)
                    key = "|".join(str(keys[j][c]) for c in key_name)
                    entries.append((entity, path, before + good_n + j + 1, key, kind, code, fate))
        n = (len(table) if table is not None else 0) + (
            len(bad_table) if bad_table is not None else 0
        )
        return n, entries

    def _quarters(self, secs: np.ndarray) -> np.ndarray:
        """Quarter number (months since 1970 // 3) of each time, also before the run's
        first day (the leads of its first accounts)."""
        if len(secs) and secs.min() < 0:
            months = (self.cal.start + secs // DAY).astype("datetime64[M]").astype(np.int64)
            return months // 3
        return self.quarter_of_month[self.cal.month_of(secs)]

    def _quarter_label(self, quarter: int) -> str:
        y, qq = divmod(quarter, 4)
        return f"{1970 + y}-Q{qq + 1}"

    # -- reference data and products ---------------------------------------------------------
    def reference_upfront(self) -> None:
        cal, p = self.cal, self.p
        # products: the catalogue, one deprecated later, one created by mistake and deleted
        n_p = len(P.PRODUCTS)
        t0 = np.full(n_p, 0, dtype=np.int64) + 6 * 3600
        later_m = min(12, cal.months - 1)
        t_dep = int(cal.month_day[later_m]) * DAY + 10 * 3600
        t_del = min(int(cal.month_day[min(2, cal.months - 1)]) * DAY + 5 * DAY, cal.end_s - 1)
        products = {
            "product": np.concatenate([np.arange(n_p), [P.P_LEGACY, P.P_TEST]]),
            "is_active": np.concatenate([np.ones(n_p, dtype=bool), [False, True]]),
            "updated_s": np.concatenate([t0, [max(t_dep, 7 * 3600), max(t_del, 8 * 3600)]]),
            "is_deleted": np.concatenate([np.zeros(n_p, dtype=bool), [False, True]]),
        }
        order = np.argsort(products["updated_s"], kind="stable")
        self._write("products", {k: v[order] for k, v in products.items()})
        # fx rates: a daily random walk on weekdays (and on the first day, so every date
        # of the run has a rate on or before it)
        rng = np.random.default_rng([self.seed, 7_000_001])
        days = np.arange(int(cal.month_day[cal.months]))
        weekday = (days + cal.epoch_day + 3) % 7 < 5  # 1970-01-01 was a Thursday
        days = days[weekday | (days == 0)]
        parts = []
        for ci, start_rate in enumerate(p.fx_start):
            if P.CURRENCIES[ci] == "USD":
                continue
            steps = rng.normal(0, p.fx_daily_volatility, len(days))
            rate = start_rate * np.exp(np.cumsum(steps) - steps[0])
            parts.append((np.full(len(days), ci), days, np.round(rate * 10_000).astype(np.int64)))
        cur, day, rate = (np.concatenate(x) for x in zip(*parts, strict=True))
        order = np.lexsort((cur, day))
        q = self.quarter_of_month[cal.month_of(day[order] * DAY)]
        table = encode(
            "fx_rates",
            self.enc,
            {"currency": cur[order], "day": day[order], "rate_e4": rate[order]},
            self.pools,
        )
        self._write_reference("fx_rates", table, q, self._quarter_label)

    def _write_reference(self, entity, table, groups, label_of) -> None:
        for grp in np.unique(groups):
            lo, hi = np.searchsorted(groups, grp, "left"), np.searchsorted(groups, grp, "right")
            self.sink.write(entity, label_of(int(grp)), table.slice(lo, hi - lo))
        self.rows[entity] = self.rows.get(entity, 0) + len(table)

    def reference_after(self) -> None:
        cal, p = self.cal, self.p
        rng = np.random.default_rng([self.seed, 7_000_002])
        N = cal.months
        months = np.arange(N)
        first = cal.start.astype("datetime64[M]").astype(np.int64)
        year = (first + months) // 12
        # sales targets: the team's recent bookings per rep, with an uplift and a spread
        team = self.acc.bookings.sum(axis=0)
        smooth = np.array([team[max(0, m - 2) : m + 1].mean() for m in months])
        per_rep = np.maximum(smooth / self.n_reps, 1000.0) * p.target_uplift
        spread = rng.uniform(*p.target_spread, self.n_reps)
        target = np.round(per_rep[None, :] * spread[:, None] * 100).astype(np.int64)
        rep, mon = np.meshgrid(np.arange(self.n_reps), months, indexing="ij")
        order = np.argsort(mon.ravel(), kind="stable")
        chunk = {
            "rep": rep.ravel()[order],
            "day": cal.month_day[mon.ravel()[order]],
            "amount_c": target.ravel()[order],
        }
        table = encode("sales_targets", self.enc, chunk, self.pools)
        self._write_reference("sales_targets", table, year[mon.ravel()[order]], self._year)
        # marketing spend: `cost_per_lead_usd` by channel for each account created, with
        # noise, and a floor per channel
        created = self.acc.accounts_created[:N]
        cpl = np.asarray(p.cost_per_lead_usd)
        noise = rng.uniform(0.85, 1.15, created.shape)
        spend = np.round((created * cpl[None, :] * noise + 500.0) * 100).astype(np.int64)
        mon, ch = np.meshgrid(months, np.arange(len(P.CHANNELS)), indexing="ij")
        chunk = {
            "day": cal.month_day[mon.ravel()],
            "channel": ch.ravel(),
            "amount_c": spend.ravel(),
        }
        table = encode("marketing_spend", self.enc, chunk, self.pools)
        self._write_reference("marketing_spend", table, year[mon.ravel()], self._year)
        self._forecasts()

    def _forecasts(self) -> None:
        """The reps' forecasts from the run's bookings, per quarter of submission."""
        rng = np.random.default_rng([self.seed, FORECASTS_STREAM])
        chunk = make_forecasts(self.cal, self.p, self.acc.bookings, rng)
        bad = None
        if self.bad_rate > 0:
            bad_rng = np.random.default_rng([self.seed, FORECAST_BAD_ROWS_STREAM])
            bad = forecast_bad_rows(chunk, self.bad_rate, bad_rng)
        self._write("forecast_submissions", chunk, bad)

    @staticmethod
    def _year(y: int) -> str:
        return f"{1970 + y}"

    # -- the accounts, batch by batch -----------------------------------------------------------
    def batches(self, show: bool) -> None:
        n_batches = -(-self.accounts // BATCH_ACCOUNTS)
        progress = None
        if show:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            progress = Progress(
                TextColumn("generating accounts"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            progress.start()
            task = progress.add_task("accounts", total=self.accounts, rate="")
        t0 = time.perf_counter()
        pending: list[tuple[str, Future]] = []
        # Writer threads gather, encode and write batch b (NumPy and Arrow kernels release
        # the GIL) while the main thread simulates batch b + 1. Each file is written by one
        # task per batch, batches in order, so the output does not depend on thread timing.
        pool = ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="revops-gen")
        try:
            for b in range(n_batches):
                base = b * BATCH_ACCOUNTS
                n = min(BATCH_ACCOUNTS, self.accounts - base)
                rows, bad = self._simulate(b, base, n)
                self._drain(pending)
                pending = [
                    (e, pool.submit(self._take_encode_write, e, rows, bad.get(e)))
                    for e in BATCH_ENTITIES
                ]
                if progress is not None:
                    rate = sum(self.rows.values()) / max(time.perf_counter() - t0, 1e-9)
                    progress.update(task, advance=n, rate=f"{rate:,.0f} rows/s")
            self._drain(pending)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if progress is not None:
                progress.stop()

    def _drain(self, pending: list[tuple[str, Future]]) -> None:
        for entity, future in pending:
            self._record(entity, *future.result())

    def _take_encode_write(self, entity: str, rows: Rows, bad) -> tuple[int, list[tuple]]:
        return self._encode_write(entity, rows.take(entity), bad)  # gathers in a writer thread

    def _simulate(self, b: int, base: int, n: int) -> tuple[Rows, BadRows]:
        """Batch b's row versions (the simulation, then its leads, activities, usage and
        CSAT responses) and, with a bad-row rate, its bad rows per entity."""
        rng = np.random.default_rng([self.seed, b])
        batch = simulate_batch(
            self.cal, self.p, self.accounts, self.n_reps, base, n, rng, self.acc, self.pools.size
        )
        rows = batch.rows
        leads_rng = np.random.default_rng([self.seed, b, LEADS_STREAM])
        leads = make_leads(
            rows,
            self.cal,
            self.p,
            batch.accounts,
            leads_rng,
            self.accounts,
            self.n_reps,
            self.pools.size,
        )
        activities_rng = np.random.default_rng([self.seed, b, ACTIVITIES_STREAM])
        make_activities(rows, self.p, batch.accounts, batch.deals, leads, activities_rng)
        self._customer_success(b, batch)
        bad: BadRows = {}
        if self.bad_rate > 0:
            bad.update(self._bad_rows(self.injector, TX_ENTITIES, rows, b, TX_BAD_ROWS_STREAM))
            bad.update(
                self._bad_rows(self.sales_injector, SALES_ENTITIES, rows, b, SALES_BAD_ROWS_STREAM)
            )
            for injector, entity, stream in (
                (self.csat_injector, "csat_responses", CSAT_BAD_ROWS_STREAM),
                (self.usage_injector, "product_usage", USAGE_BAD_ROWS_STREAM),
            ):
                bad.update(self._bad_rows(injector, (entity,), rows, b, stream))
        return rows, bad

    def _customer_success(self, b: int, batch: SimulatedBatch) -> None:
        """Batch b's product usage and CSAT responses, from its accounts' health (drawn
        from the seats of their contracts), each from a random stream of its own."""
        health_rng = np.random.default_rng([self.seed, b, HEALTH_STREAM])
        health = account_health(self.p, batch.seats_by_month, health_rng)
        customers = Customers(batch.accounts, batch.seats_by_month, health)
        usage_rng = np.random.default_rng([self.seed, b, USAGE_STREAM])
        make_usage(batch.rows, self.cal, self.p, customers, usage_rng)
        csat_rng = np.random.default_rng([self.seed, b, CSAT_STREAM])
        make_csat(batch.rows, self.cal, self.p, customers, csat_rng, self.pools.size)

    def _bad_rows(
        self,
        injector: Injector | SalesInjector | CsatInjector | UsageInjector,
        entities: tuple[str, ...],
        rows: Rows,
        b: int,
        stream: int,
    ) -> BadRows:
        """The bad rows `injector` makes from batch b's good rows of `entities`."""
        chunks = {e: rows.take(e) for e in entities}
        good = sum(len(c["updated_s"]) for c in chunks.values() if c)
        want = injector.how_many(self.bad_rate, good, b == 0)
        return injector.make(want, chunks, np.random.default_rng([self.seed, b, stream]))
