"""The company simulation, vectorised over a batch of accounts and stepped by month.

Each account walks: prospect -> new-business quotes (won, lost, retried) ->
contract (billed per product interval) -> renewal quotes (renewed with more,
fewer or the same seats, or churned) -> maybe a win-back. Expansion quotes add
seats mid-contract (billed by a prorated invoice). Every event is a row version
with its own `updated_at`; versions after the end of the run are not emitted.
All values stay numeric here (see `encode.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from . import params as P
from .encode import NULL

DAY = 86400
HOUR = 3600
INF = np.int64(2**40)
INTERVAL = np.array([p.billing_interval_months or 0 for p in P.PRODUCTS], dtype=np.int64)
# quote / invoice / payment status codes (index into the label tuples in params)
Q_DRAFT, Q_SENT, Q_ACCEPTED, Q_REJECTED, Q_EXPIRED = range(5)
I_DRAFT, I_OPEN, I_PAID, I_VOID, I_UNCOLLECTIBLE = range(5)
PAY_OK, PAY_FAILED, PAY_REFUNDED = range(3)
T_NEW, T_RENEWAL, T_EXPANSION = range(3)
# account states
S_PROSPECT, S_WON, S_ACTIVE, S_CHURNED, S_DEAD = range(5)


class Line(NamedTuple):
    """One invoice line for each selected account of an invoice run."""

    mask: np.ndarray  # which of the run's invoices get this line
    product: object  # product index (array or scalar)
    lseq: int  # line number within the invoice
    desc: object  # description code (product, or product + len(PRODUCTS) when prorated)
    qty: np.ndarray
    unit_c: object  # unit amount in cents for the whole period
    start_m: object  # service period [start_m, end_m) in month indexes; -1 = none
    end_m: object

    def subset(self, sel: np.ndarray) -> Line:
        return Line(*(v[sel] if np.ndim(v) else v for v in self))


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

    def label_of_month(self, k: np.ndarray, per: str = "quarter") -> list[str]:
        first = self.start.astype("datetime64[M]").astype(np.int64)
        out = []
        for v in np.asarray(k):
            y, m = divmod(int(first + v), 12)
            out.append(f"{1970 + y}-Q{m // 3 + 1}" if per == "quarter" else f"{1970 + y}")
        return out


class Rows:
    """Numeric row versions of one batch, per entity; drops versions after the end.

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
        for k in parts[0][1]:
            vals = [c[k] for _, c in parts]
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
            out[k] = col[order]
        return out


def _sel(v: object, mask: np.ndarray) -> object:
    """v[mask] for a column, v itself for one value shared by all rows."""
    return v[mask] if isinstance(v, np.ndarray) and v.ndim else v


def _by_seg(seg: np.ndarray, values: tuple) -> np.ndarray:
    return np.asarray(values)[seg]


def _choice_by_seg(rng: np.random.Generator, seg: np.ndarray, mixes: tuple) -> np.ndarray:
    cum = np.cumsum(np.asarray(mixes, dtype=float), axis=1)[seg]
    u = rng.random(len(seg))
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def _pick_by_seg(rng: np.random.Generator, seg: np.ndarray, table: tuple) -> np.ndarray:
    width = max(len(r) for r in table)
    padded = np.array([list(r) + [r[-1]] * (width - len(r)) for r in table])
    lens = np.array([len(r) for r in table])[seg]
    idx = np.floor(rng.random(len(seg)) * lens).astype(np.int64)
    return padded[seg, idx]


def _days(rng: np.random.Generator, lo_hi: tuple[int, int], n: int) -> np.ndarray:
    return rng.integers(lo_hi[0], lo_hi[1] + 1, n) * DAY  # int64 already


def _office_time(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into a working day (08:00-18:00)."""
    return rng.integers(8 * HOUR, 18 * HOUR, n)


def price_book(params: P.Params) -> np.ndarray:
    """Local price in cents per (currency, product), from USD list prices at the first rate."""
    usd = np.array([p.list_price for p in P.PRODUCTS]) * 100
    fx = np.asarray(params.fx_start)
    return np.round(usd[None, :] / fx[:, None]).astype(np.int64)


@dataclass
class Accumulators:
    """Small run-wide tallies that the reference entities are built from."""

    leads: np.ndarray  # (months, channels): accounts created
    bookings: np.ndarray  # (reps, months): accepted quote value in USD


def simulate_batch(
    cal: Calendar,
    params: P.Params,
    total_accounts: int,
    n_reps: int,
    base: int,
    n: int,
    rng: np.random.Generator,
    acc: Accumulators,
    pool_size: int,
) -> Rows:
    p = params
    N = cal.months
    md = cal.month_day
    ms = md * DAY
    end_s = cal.end_s
    rows = Rows(end_s)
    book = price_book(p)
    fx0 = np.asarray(p.fx_start)

    # ---- accounts: static attributes -------------------------------------------------
    g = base + np.arange(n, dtype=np.int64)
    growth = np.log1p(p.monthly_account_growth) / 30.44
    span = max(md[N] - 1, 1)
    q = (g + rng.random(n)) / total_accounts
    created_s = np.floor(np.log1p(q * np.expm1(growth * span)) / growth * DAY).astype(np.int64)
    created_s = np.minimum(created_s, end_s - 6 * HOUR)
    seg = rng.choice(3, n, p=p.segment_mix)
    chan = rng.choice(len(P.CHANNELS), n, p=p.channel_mix)
    country = rng.choice(len(P.COUNTRIES), n, p=p.country_mix)
    cur = np.array([P.CURRENCIES.index(c) for _, c in P.COUNTRIES])[country]
    industry = rng.integers(0, len(P.INDUSTRIES), n)
    rep = rng.integers(0, n_reps, n)
    name_i, first_i, last_i, dom_i = (rng.integers(0, pool_size, n) for _ in range(4))
    is_dup = rng.random(n) < p.duplicate_account_rate
    plan = np.asarray(P.PLATFORM_PRODUCTS)[_choice_by_seg(rng, seg, p.plan_mix)]
    addon = np.asarray(P.ADDON_PRODUCTS)[_choice_by_seg(rng, seg, p.addon_mix)]
    has_addon = addon >= 0
    addon_p = np.where(has_addon, addon, 0)
    disc = _pick_by_seg(rng, seg, p.discount_choices)
    seats0 = np.maximum(
        1, np.round(rng.lognormal(np.log(_by_seg(seg, p.seats_median)), p.seats_sigma))
    ).astype(np.int64)
    plat_list = book[cur, plan]
    addon_list = np.where(has_addon, book[cur, addon_p], 0)
    plat_unit = np.round(plat_list * (100 - disc) / 100).astype(np.int64)
    addon_unit = np.round(addon_list * (100 - disc) / 100).astype(np.int64)
    int0 = INTERVAL[plan]
    int1 = np.where(has_addon, INTERVAL[addon_p], 1)
    onb_units = _by_seg(seg, p.onboarding_units)
    terms_days = _by_seg(seg, p.payment_terms_days)
    method_pref = _choice_by_seg(rng, seg, p.method_mix)

    acct = dict(
        g=g,
        name_i=name_i,
        first_i=first_i,
        last_i=last_i,
        dom_i=dom_i,
        industry=industry,
        segment=seg,
        country=country,
        rep=rep,
        channel=chan,
        created_s=created_s,
    )
    rows.add("accounts", **acct, updated_s=created_s, is_deleted=False)
    upd = (~is_dup) & (rng.random(n) < p.account_update_rate)
    upd_s = created_s + _days(rng, (30, 400), n) + rng.integers(0, HOUR, n)
    new_first = np.where(rng.random(n) < 0.5, rng.integers(0, pool_size, n), first_i)
    new_rep = np.where(new_first == first_i, rng.integers(0, n_reps, n), rep)
    changed = {**acct, "first_i": new_first, "rep": new_rep}
    rows.add(
        "accounts",
        **{k: v[upd] for k, v in changed.items()},
        updated_s=upd_s[upd],
        is_deleted=False,
    )
    del_s = created_s + _days(rng, (1, 20), n)
    rows.add(
        "accounts",
        **{k: v[is_dup] for k, v in acct.items()},
        updated_s=del_s[is_dup],
        is_deleted=True,
    )
    c_month = cal.month_of(created_s)
    real = ~is_dup
    np.add.at(acc.leads, (c_month[real], chan[real]), 1)

    # ---- state ------------------------------------------------------------------------------
    state = np.where(is_dup, S_DEAD, S_PROSPECT)
    next_q = created_s + _days(rng, p.first_quote_delay_days, n) + rng.integers(0, 6 * HOUR, n)
    next_q = np.where(is_dup, INF, next_q)
    nq_m = np.where(next_q < INF, cal.month_of(next_q), -1)
    start_m = np.full(n, -1)
    end_m = np.full(n, -1)
    term = np.zeros(n, dtype=np.int64)
    seats = np.zeros(n, dtype=np.int64)
    won_seats = np.zeros(n, dtype=np.int64)
    won_q = np.zeros(n, dtype=np.int64)
    contract_q = np.zeros(n, dtype=np.int64)
    nb0 = np.full(n, -1)
    nb1 = np.full(n, -1)
    q_n = np.zeros(n, dtype=np.int64)
    i_n = np.zeros(n, dtype=np.int64)
    onb = np.zeros(n, dtype=bool)
    ren_ok = np.zeros(n, dtype=bool)
    ren_seats = np.zeros(n, dtype=np.int64)
    ren_q = np.zeros(n, dtype=np.int64)
    pend = np.zeros(n, dtype=np.int64)
    pend_q = np.zeros(n, dtype=np.int64)

    def book_value(idx, qty, term_m, with_onb, dec_s):
        monthly = qty * (plat_list[idx] + addon_list[idx]) * (100 - disc[idx]) / 100
        tcv = monthly * term_m + np.where(with_onb, onb_units[idx] * book[cur[idx], P.P_ONB], 0)
        usd = tcv * fx0[cur[idx]] / 100
        dm = cal.month_of(dec_s)
        ok = dm < N
        np.add.at(acc.bookings, (rep[idx][ok], dm[ok]), usd[ok])

    def emit_quote(idx, qtype, created, sent, decided, final, start_d, term_q, qty, with_onb):
        """Versions of quotes `idx` and their lines. sent == NULL: abandoned draft."""
        k = len(idx)
        qtype = np.full(k, qtype)
        qseq = q_n[idx].copy()
        q_n[idx] += 1
        base_cols = dict(
            g=g[idx],
            qseq=qseq,
            rep=rep[idx],
            qtype=qtype,
            currency=cur[idx],
            created_s=created,
            start_d=start_d,
            term=term_q,
        )
        base_cols = {k_: np.broadcast_to(v, (k,)) for k_, v in base_cols.items()}
        abandoned = sent == NULL
        rows.add(
            "quotes",
            **base_cols,
            status=Q_DRAFT,
            sent_s=NULL,
            decided_s=NULL,
            updated_s=created,
            is_deleted=False,
        )
        a = ~abandoned
        rows.add(
            "quotes",
            **{k_: v[a] for k_, v in base_cols.items()},
            status=Q_SENT,
            sent_s=sent[a],
            decided_s=NULL,
            updated_s=sent[a],
            is_deleted=False,
        )
        rows.add(
            "quotes",
            **{k_: v[a] for k_, v in base_cols.items()},
            status=final[a],
            sent_s=sent[a],
            decided_s=decided[a],
            updated_s=decided[a],
            is_deleted=False,
        )
        del_s = created + 2 * DAY
        rows.add(
            "quotes",
            **{k_: v[abandoned] for k_, v in base_cols.items()},
            status=Q_DRAFT,
            sent_s=NULL,
            decided_s=NULL,
            updated_s=del_s[abandoned],
            is_deleted=True,
        )
        null_disc = (disc[idx] == 0) & (rng.random(k) < p.null_discount_rate)
        d = np.where(null_disc, NULL, disc[idx])
        lines = [
            (np.ones(k, dtype=bool), plan[idx], 1, plat_list[idx], d),
            (has_addon[idx], addon_p[idx], 2, addon_list[idx], d),
            (with_onb, np.full(k, P.P_ONB), 3, book[cur[idx], P.P_ONB], 0),
        ]
        for mask, prod, lseq, unit, dd in lines:
            qty_l = onb_units[idx] if lseq == 3 else qty
            dd = np.broadcast_to(dd, (k,))
            for deleted in (False, True):
                m_ = mask & (abandoned if deleted else True)
                rows.add(
                    "quote_lines",
                    g=g[idx][m_],
                    qseq=qseq[m_],
                    lseq=lseq,
                    product=prod[m_],
                    qty=qty_l[m_],
                    unit_c=unit[m_],
                    disc=dd[m_],
                    updated_s=(del_s if deleted else created)[m_],
                    is_deleted=deleted,
                )
        return qseq

    def lost_decision(k, sent):
        expired = rng.random(k) < p.lost_expired_share
        return expired, np.where(expired, Q_EXPIRED, Q_REJECTED), sent + p.expire_after_days * DAY

    def emit_invoice(idx, issue_s, qseq, lines, status):
        """Versions of invoices for accounts `idx`, their `lines`, and their payments."""
        k = len(idx)
        issue_s = np.broadcast_to(np.asarray(issue_s, dtype=np.int64), (k,))
        qseq = np.broadcast_to(qseq, (k,))
        iseq = i_n[idx].copy()
        i_n[idx] += 1
        total = np.zeros(k, dtype=np.int64)
        draft = status == I_DRAFT
        issued_d = NULL if draft else issue_s // DAY
        due_d = NULL if draft else issue_s // DAY + terms_days[idx]
        for mask, prod, lseq, desc, qty, unit, ps, pe in lines:
            amount = qty * unit
            total += np.where(mask, amount, 0)
            ps_d = np.where(ps < 0, NULL, md[np.maximum(ps, 0)])
            pe_d = np.where(pe < 0, NULL, md[np.maximum(pe, 0)])
            rows.add(
                "invoice_lines",
                g=g[idx][mask],
                iseq=iseq[mask],
                lseq=lseq,
                product=_sel(prod, mask),
                desc=_sel(desc, mask),
                qty=qty[mask],
                unit_c=unit[mask],
                amount_c=amount[mask],
                pstart_d=_sel(ps_d, mask),
                pend_d=_sel(pe_d, mask),
                updated_s=issue_s[mask],
            )
        head = dict(
            g=g[idx],
            iseq=iseq,
            qseq=qseq,
            currency=cur[idx],
            issued_d=issued_d,
            due_d=due_d,
            total_c=total,
        )
        if status != I_OPEN:  # draft, or a duplicate that is voided the next day
            first = I_DRAFT if draft else I_OPEN
            rows.add("invoices", **head, status=first, updated_s=issue_s + 30)
            if status == I_VOID:
                rows.add("invoices", **head, status=I_VOID, updated_s=issue_s + DAY)
            return
        rows.add("invoices", **head, status=I_OPEN, updated_s=issue_s + 30)
        _collect(idx, iseq, issue_s, due_d, total, head)

    def _collect(idx, iseq, issue_s, due_d, total, head):
        k = len(idx)
        s = seg[idx]
        unc = rng.random(k) < _by_seg(s, p.uncollectible_rate)
        mean = _by_seg(s, p.pay_delay_days_mean)
        delay = rng.gamma(p.pay_delay_shape, mean / p.pay_delay_shape)
        t1 = issue_s + np.round(delay * DAY).astype(np.int64) + rng.integers(HOUR, 6 * HOUR, k)
        partial = (~unc) & (rng.random(k) < p.partial_payment_rate)
        failed = (~unc) & (~partial) & (rng.random(k) < _by_seg(s, p.failed_payment_rate))
        refund = (~unc) & (rng.random(k) < p.refunded_duplicate_rate)
        part = np.maximum(1, np.round(total * rng.uniform(0.3, 0.7, k))).astype(np.int64)
        t2 = np.where(
            partial,
            t1 + _days(rng, p.partial_gap_days, k),
            t1 + _days(rng, p.retry_after_failure_days, k),
        )
        has_acct = rng.random(k) >= p.payment_without_account_rate
        method = np.where(failed, 0, method_pref[idx])
        pay = dict(
            g=g[idx], iseq=iseq, acct_g=g[idx], has_acct=has_acct, currency=cur[idx], method=method
        )
        ok = ~unc
        amt1 = np.where(partial, part, total)
        st1 = np.where(failed, PAY_FAILED, PAY_OK)
        rows.add(
            "payments",
            **{k_: v[ok] for k_, v in pay.items()},
            pseq=1,
            amount_c=amt1[ok],
            received_s=t1[ok],
            status=st1[ok],
            updated_s=t1[ok] + 120,
        )
        two = partial | failed
        amt2 = np.where(partial, total - part, total)
        rows.add(
            "payments",
            **{k_: v[two] for k_, v in pay.items()},
            pseq=2,
            amount_c=amt2[two],
            received_s=t2[two],
            status=PAY_OK,
            updated_s=t2[two] + 120,
        )
        paid_t = np.where(two, t2, t1) + 120
        t3 = paid_t + HOUR
        t3r = t3 + _days(rng, (3, 14), k)
        for st, upd_t in ((PAY_OK, t3), (PAY_REFUNDED, t3r)):
            rows.add(
                "payments",
                **{k_: v[refund] for k_, v in pay.items()},
                pseq=3,
                amount_c=total[refund],
                received_s=t3[refund],
                status=st,
                updated_s=upd_t[refund],
            )
        rows.add(
            "invoices",
            **{k_: _sel(v, ok) for k_, v in head.items()},
            status=I_PAID,
            updated_s=paid_t[ok] + 60,
        )
        off_s = (due_d + p.write_off_after_due_days) * DAY + 9 * HOUR
        rows.add(
            "invoices",
            **{k_: _sel(v, unc) for k_, v in head.items()},
            status=I_UNCOLLECTIBLE,
            updated_s=off_s[unc],
        )

    # ---- the months --------------------------------------------------------------------
    adhoc_rate = _by_seg(seg, p.adhoc_training_monthly_rate)
    expansion_rate = _by_seg(seg, p.expansion_monthly_rate)
    for m in range(N + 1):
        draft = m == N
        # expansions won last month take effect
        exp_now = (state == S_ACTIVE) & (pend > 0)
        seats = np.where(exp_now, seats + pend, seats)

        # contract ends: renew or churn
        ending = (state == S_ACTIVE) & (end_m == m)
        renew = ending & ren_ok
        end_m = np.where(renew, end_m + term, end_m)
        seats = np.where(renew, ren_seats, seats)
        contract_q = np.where(renew, ren_q, contract_q)
        churn = ending & ~ren_ok
        state = np.where(churn, S_CHURNED, state)
        nb0 = np.where(churn, -1, nb0)
        nb1 = np.where(churn, -1, nb1)
        back = np.flatnonzero(churn)
        back = back[rng.random(len(back)) < p.winback_rate]
        if len(back):
            k = len(back)
            wb_s = ms[m] + _days(rng, p.winback_gap_days, k) + _office_time(rng, k)
            next_q[back] = wb_s
            nq_m[back] = cal.month_of(wb_s)

        # won contracts start
        starting = (state == S_WON) & (start_m == m)
        state = np.where(starting, S_ACTIVE, state)
        end_m = np.where(starting, m + term, end_m)
        seats = np.where(starting, won_seats, seats)
        contract_q = np.where(starting, won_q, contract_q)
        nb0 = np.where(starting, m, nb0)
        nb1 = np.where(starting & has_addon, m, nb1)

        # billing: regular invoices, prorated expansion invoices, ad-hoc services
        active = state == S_ACTIVE
        bill0 = active & (nb0 == m)
        bill1 = active & has_addon & (nb1 == m)
        reg = np.flatnonzero(bill0 | bill1)
        if len(reg):
            k = len(reg)
            if draft:
                issue = ms[m] - _days(rng, (1, 4), k) - _office_time(rng, k)
            else:
                issue = ms[m] + rng.integers(HOUR, 6 * HOUR, k)
            b0, b1 = bill0[reg], bill1[reg]
            plat_amt = seats[reg] * plat_unit[reg] * int0[reg]
            credit = b0 & (rng.random(k) < p.credit_rate) & (not draft)
            credit_unit = -np.round(plat_amt * p.credit_share).astype(np.int64)
            lines = [
                Line(
                    b0,
                    plan[reg],
                    1,
                    plan[reg],
                    seats[reg],
                    plat_unit[reg] * int0[reg],
                    np.full(k, m),
                    m + int0[reg],
                ),
                Line(
                    b1,
                    addon_p[reg],
                    2,
                    addon_p[reg],
                    seats[reg],
                    addon_unit[reg] * int1[reg],
                    np.full(k, m),
                    m + int1[reg],
                ),
                Line(
                    onb[reg], P.P_ONB, 3, P.P_ONB, onb_units[reg], book[cur[reg], P.P_ONB], -1, -1
                ),
                Line(credit, P.P_CRD, 4, P.P_CRD, np.ones(k, dtype=np.int64), credit_unit, -1, -1),
            ]
            status = I_DRAFT if draft else I_OPEN
            emit_invoice(reg, issue, contract_q[reg], lines, status)
            dup = (rng.random(k) < p.void_duplicate_rate) & (not draft)
            if dup.any():
                sub = [line.subset(dup) for line in lines]
                emit_invoice(reg[dup], issue[dup] + 600, contract_q[reg][dup], sub, I_VOID)
            onb[reg] = False
        pr0 = exp_now & (nb0 > m) & ~bill0
        pr1 = exp_now & has_addon & (nb1 > m) & ~bill1
        pr = np.flatnonzero(pr0 | pr1)
        if len(pr):
            k = len(pr)
            issue = (ms[m] - _days(rng, (1, 4), k)) if draft else ms[m] + 7 * HOUR
            rem0, rem1 = nb0[pr] - m, nb1[pr] - m
            n_p = len(P.PRODUCTS)
            lines = [
                Line(
                    pr0[pr],
                    plan[pr],
                    1,
                    plan[pr] + n_p,
                    pend[pr],
                    plat_unit[pr] * rem0,
                    np.full(k, m),
                    nb0[pr],
                ),
                Line(
                    pr1[pr],
                    addon_p[pr],
                    2,
                    addon_p[pr] + n_p,
                    pend[pr],
                    addon_unit[pr] * rem1,
                    np.full(k, m),
                    nb1[pr],
                ),
            ]
            emit_invoice(pr, issue, pend_q[pr], lines, I_DRAFT if draft else I_OPEN)
        pend = np.where(exp_now, 0, pend)
        nb0 = np.where(bill0, nb0 + int0, nb0)
        nb1 = np.where(bill1, nb1 + int1, nb1)
        if draft:
            break
        adhoc = np.flatnonzero(active & (rng.random(n) < adhoc_rate))
        if len(adhoc):
            k = len(adhoc)
            issue = ms[m] + _days(rng, (4, 24), k) + _office_time(rng, k)
            hours = rng.integers(p.training_hours[0], p.training_hours[1] + 1, k)
            lines = [
                Line(
                    np.ones(k, dtype=bool),
                    P.P_TRN,
                    1,
                    P.P_TRN,
                    hours,
                    book[cur[adhoc], P.P_TRN],
                    -1,
                    -1,
                ),
            ]
            emit_invoice(adhoc, issue, np.full(k, -1), lines, I_OPEN)

        # new-business and win-back quotes
        nb_idx = np.flatnonzero(((state == S_PROSPECT) | (state == S_CHURNED)) & (nq_m == m))
        if len(nb_idx):
            idx, k = nb_idx, len(nb_idx)
            s = seg[idx]
            winback = state[idx] == S_CHURNED
            created = next_q[idx]
            abandoned = rng.random(k) < p.abandoned_draft_rate
            sent = created + _days(rng, p.send_delay_days, k) + rng.integers(60, 4 * HOUR, k)
            mean = _by_seg(s, p.cycle_days_mean)
            cycle = np.maximum(1, np.round(rng.gamma(2.0, mean / 2.0))).astype(np.int64)
            decided = sent + cycle * DAY + rng.integers(0, 8 * HOUR, k)
            win_p = np.where(winback, p.winback_win_rate, _by_seg(s, p.new_win_rate))
            won = (~abandoned) & (rng.random(k) < win_p)
            expired, lost_status, exp_s = lost_decision(k, sent)
            decided = np.where(~won & expired, exp_s, decided)
            final = np.where(won, Q_ACCEPTED, lost_status)
            term_q = _pick_by_seg(rng, s, p.term_choices)
            s_m = np.minimum(cal.month_of(decided) + 1, len(md) - 1)
            qty = np.where(
                winback,
                np.maximum(1, np.round(seats0[idx] * rng.uniform(0.5, 1.0, k))),
                seats0[idx],
            ).astype(np.int64)
            with_onb = (~winback) & (rng.random(k) < _by_seg(s, p.onboarding_rate))
            sent = np.where(abandoned, NULL, sent)
            qseq = emit_quote(
                idx, T_NEW, created, sent, decided, final, md[s_m], term_q, qty, with_onb
            )
            book_value(idx[won], qty[won], term_q[won], with_onb[won], decided[won])
            w = idx[won]
            state[w] = S_WON
            start_m[w] = s_m[won]
            term[w] = term_q[won]
            won_seats[w] = qty[won]
            won_q[w] = qseq[won]
            onb[w] = with_onb[won]
            nq_m[w] = -1
            retry = ~won & (rng.random(k) < _by_seg(s, p.retry_rate))
            after = np.where(abandoned, created + 2 * DAY, decided)
            nxt = after + _days(rng, p.retry_gap_days, k) + _office_time(rng, k)
            nq_m[idx[~won]] = np.where(retry[~won], cal.month_of(nxt[~won]), -1)
            next_q[idx[~won]] = nxt[~won]

        # renewal quotes, two months before the contract ends
        rn = np.flatnonzero((state == S_ACTIVE) & (end_m - p.renewal_lead_months == m))
        if len(rn):
            idx, k = rn, len(rn)
            s = seg[idx]
            created = ms[m] + _days(rng, (3, 20), k) + _office_time(rng, k)
            sent = created + _days(rng, (1, 4), k)
            decided = sent + _days(rng, (5, 25), k)
            ok = rng.random(k) < _by_seg(s, p.renewal_rate)
            u = rng.random(k)
            shrink = u < p.renewal_contraction_rate
            grow = (~shrink) & (u < p.renewal_contraction_rate + p.renewal_expansion_rate)
            factor = np.where(
                shrink,
                rng.uniform(*p.renewal_contraction_factor, k),
                np.where(grow, rng.uniform(*p.renewal_expansion_factor, k), 1.0),
            )
            qty = np.maximum(1, np.round(seats[idx] * factor)).astype(np.int64)
            expired, lost_status, exp_s = lost_decision(k, sent)
            decided = np.where(~ok & expired, exp_s, decided)
            final = np.where(ok, Q_ACCEPTED, lost_status)
            start_d = md[end_m[idx]]
            no_onb = np.zeros(k, dtype=bool)
            qseq = emit_quote(
                idx, T_RENEWAL, created, sent, decided, final, start_d, term[idx], qty, no_onb
            )
            book_value(idx[ok], qty[ok], term[idx][ok], no_onb[ok], decided[ok])
            ren_ok[idx] = ok
            ren_seats[idx] = qty
            ren_q[idx] = qseq

        # expansion quotes mid-contract
        ex = np.flatnonzero(
            (state == S_ACTIVE)
            & (end_m - m > p.renewal_lead_months)
            & (rng.random(n) < expansion_rate)
        )
        if len(ex):
            idx, k = ex, len(ex)
            created = ms[m] + _days(rng, (0, 14), k) + _office_time(rng, k)
            sent = created + _days(rng, (0, 3), k) + 600
            decided = sent + _days(rng, (1, 10), k)
            ok = rng.random(k) < p.expansion_win_rate
            expired, lost_status, exp_s = lost_decision(k, sent)
            decided = np.where(~ok & expired, exp_s, decided)
            final = np.where(ok, Q_ACCEPTED, lost_status)
            delta = np.maximum(
                1, np.round(seats[idx] * rng.uniform(*p.expansion_seat_factor, k))
            ).astype(np.int64)
            rest = end_m[idx] - (m + 1)
            no_onb = np.zeros(k, dtype=bool)
            qseq = emit_quote(
                idx, T_EXPANSION, created, sent, decided, final, md[m + 1], rest, delta, no_onb
            )
            book_value(idx[ok], delta[ok], rest[ok], no_onb[ok], decided[ok])
            pend[idx[ok]] = delta[ok]
            pend_q[idx[ok]] = qseq[ok]
    return rows
