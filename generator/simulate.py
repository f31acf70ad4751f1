"""The company simulation, vectorised over a batch of accounts and stepped by month.

Each account walks: prospect -> new-business quotes (won, lost, retried) ->
contract (billed per product interval) -> renewal quotes (renewed with more,
fewer or the same seats, or churned) -> maybe a win-back. Expansion quotes add
seats mid-contract (billed by a prorated invoice). Every event is a row version
with its own `updated_at`; versions after the end of the run are not emitted.
All values stay numeric here (see `encode.py`).

`simulate_batch` draws the accounts (`draw_accounts`), writes their versions
(`emit_account_versions`), then `Lifecycle` steps them month by month through
contract changes, billing, collections and quoting. The random draws happen in
a fixed order, so the same seed gives the same rows. It also returns the
accounts and a log of their quotes (`Deals`), which the leads and activities
are drawn from afterwards with random streams of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import params as P
from .accounts import BatchAccounts, draw_accounts, emit_account_versions, tally_accounts_created
from .batch import (
    DAY,
    HOUR,
    Accumulators,
    Calendar,
    Rows,
    by_segment,
    office_time,
    pick_by_segment,
    random_days,
    select_rows,
    subset_rows,
)
from .encode import NULL
from .enums import CARD, InvoiceStatus, PaymentStatus, QuoteStatus, QuoteType

NEVER_S = np.int64(2**40)  # a time after the end of any run: no quote planned
NO_MONTH = -1  # month index of nothing: no quote planned, no contract, no service period
NO_QUOTE = -1  # quote number of an invoice that no quote led to
PRORATED = len(P.PRODUCTS)  # description code of "Prorated: <product>" (see encode.py)


class Stage:
    """Where an account is in its lifecycle (the simulator's own state, never written;
    plain ints for NumPy's sake, see `enums.py`)."""

    PROSPECT = 0  # waiting for its next new-business quote
    WON = 1  # a new-business quote was accepted; the contract starts at its start month
    ACTIVE = 2  # under contract
    CHURNED = 3  # the contract ended unrenewed; a win-back quote may follow
    DUPLICATE = 4  # a duplicate account, deleted days after creation, never quoted


class QuoteLine(NamedTuple):
    """One line for each selected quote of a quote round."""

    quoted: np.ndarray  # which of the round's quotes get this line
    product: np.ndarray
    line_no: int
    quantity: np.ndarray
    unit_c: np.ndarray  # list price per unit and month (recurring) or per unit
    discount_pct: object  # array (NULL: exported as null), or one value for all


class InvoiceLine(NamedTuple):
    """One line for each selected invoice of an invoice run."""

    billed: np.ndarray  # which of the run's invoices get this line
    product: object  # product index (array, or one for all)
    line_no: int
    description: object  # description code: the product, or PRORATED + the product
    quantity: np.ndarray
    unit_c: np.ndarray  # unit amount in cents for the whole service period
    period_start_m: object  # service period [start, end) in month indexes; NO_MONTH: none
    period_end_m: object

    @classmethod
    def one_time(
        cls, billed: np.ndarray, product: int, line_no: int, quantity: np.ndarray, unit_c: object
    ) -> InvoiceLine:
        """A line without a service period (onboarding, training, a credit)."""
        return cls(billed, product, line_no, product, quantity, unit_c, NO_MONTH, NO_MONTH)

    def subset(self, selected: np.ndarray) -> InvoiceLine:
        return InvoiceLine(*(v[selected] if np.ndim(v) else v for v in self))


class QuoteRound(NamedTuple):
    """One quote for each of the accounts `account_idx` (indexes into the batch)."""

    account_idx: np.ndarray
    quote_type: int  # a QuoteType code
    created_s: np.ndarray
    sent_s: np.ndarray  # NULL: a draft abandoned and deleted two days later
    decided_s: np.ndarray
    status: np.ndarray  # the status once decided: accepted, rejected or expired
    start_d: object  # contract start (days), array or one for all
    term_months: np.ndarray
    seats: np.ndarray
    with_onboarding: np.ndarray


class Deals(NamedTuple):
    """The batch's quotes as the activities see them (`activities.py`), one entry per
    quote. Logging them draws no random number: the quotes' own draws are unchanged."""

    account_idx: np.ndarray
    quote_no: np.ndarray
    quote_type: np.ndarray  # a QuoteType code
    created_s: np.ndarray
    decided_s: np.ndarray  # after the run's end: still open at the end
    accepted: np.ndarray
    abandoned: np.ndarray  # a draft deleted two days later: no activity may point at it
    value_usd: np.ndarray
    start_d: np.ndarray  # contract start (days)
    term_months: np.ndarray

    @classmethod
    def of_round(
        cls, quotes: QuoteRound, quote_no: np.ndarray, accepted: np.ndarray, value_usd: np.ndarray
    ) -> Deals:
        count = len(quote_no)
        return cls(
            account_idx=quotes.account_idx,
            quote_no=quote_no,
            quote_type=np.full(count, quotes.quote_type),
            created_s=quotes.created_s,
            decided_s=quotes.decided_s,
            accepted=accepted,
            abandoned=quotes.sent_s == NULL,
            value_usd=value_usd,
            start_d=np.broadcast_to(quotes.start_d, (count,)),
            term_months=np.broadcast_to(quotes.term_months, (count,)),
        )

    @classmethod
    def concat(cls, rounds: list[Deals]) -> Deals:
        if not rounds:
            return cls(*(np.array([], dtype=np.int64) for _ in cls._fields))
        return cls(*(np.concatenate(parts) for parts in zip(*rounds, strict=True)))


class Collection(NamedTuple):
    """How each open invoice of an invoice run is paid, or not."""

    uncollectible: np.ndarray  # never paid: written off after its due date
    first_s: np.ndarray  # receipt time of the first payment
    partial: np.ndarray  # the first payment covers part; the rest follows
    failed: np.ndarray  # the first payment fails; a retry pays in full
    refunded: np.ndarray  # charged twice; the duplicate charge is refunded
    partial_c: np.ndarray  # amount of a partial first payment
    second_s: np.ndarray  # receipt of the rest of a partial payment, or of the retry
    with_account: np.ndarray  # the payment names its account
    refund_delay_s: np.ndarray


@dataclass
class AccountState:
    """What changes month by month, per account of the batch. Months are indexes."""

    stage: np.ndarray
    next_quote_s: np.ndarray  # creation time of the next new-business quote (NEVER_S: none)
    next_quote_month: np.ndarray  # its month (NO_MONTH: none planned)
    start_month: np.ndarray  # first month of a won contract
    end_month: np.ndarray  # first month after the current term
    term_months: np.ndarray
    seats: np.ndarray
    won_seats: np.ndarray  # seats and number of the won new-business quote
    won_quote: np.ndarray
    contract_quote: np.ndarray  # the quote the contract's invoices refer to
    next_platform_bill: np.ndarray  # month of the next regular platform invoice
    next_addon_bill: np.ndarray  # month of the next regular add-on invoice
    quotes_made: np.ndarray  # = the next quote's sequence number
    invoices_made: np.ndarray  # = the next invoice's sequence number
    onboarding_due: np.ndarray  # onboarding goes on the contract's first invoice
    renewal_accepted: np.ndarray  # the renewal quote of the current term
    renewal_seats: np.ndarray
    renewal_quote: np.ndarray
    pending_seats: np.ndarray  # seats of an expansion won this month, added next month
    pending_quote: np.ndarray

    @classmethod
    def start(
        cls, cal: Calendar, params: P.Params, rng: np.random.Generator, accounts: BatchAccounts
    ) -> AccountState:
        """Prospects with their first quote planned (duplicates never get one)."""
        count = len(accounts)
        first_quote_s = (
            accounts.created_s
            + random_days(rng, params.first_quote_delay_days, count)
            + rng.integers(0, 6 * HOUR, count)
        )
        next_quote_s = np.where(accounts.is_duplicate, NEVER_S, first_quote_s)

        def months() -> np.ndarray:
            return np.full(count, NO_MONTH)

        def numbers() -> np.ndarray:
            return np.zeros(count, dtype=np.int64)

        def flags() -> np.ndarray:
            return np.zeros(count, dtype=bool)

        return cls(
            stage=np.where(accounts.is_duplicate, Stage.DUPLICATE, Stage.PROSPECT),
            next_quote_s=next_quote_s,
            next_quote_month=np.where(next_quote_s < NEVER_S, cal.month_of(next_quote_s), NO_MONTH),
            start_month=months(),
            end_month=months(),
            term_months=numbers(),
            seats=numbers(),
            won_seats=numbers(),
            won_quote=numbers(),
            contract_quote=numbers(),
            next_platform_bill=months(),
            next_addon_bill=months(),
            quotes_made=numbers(),
            invoices_made=numbers(),
            onboarding_due=flags(),
            renewal_accepted=flags(),
            renewal_seats=numbers(),
            renewal_quote=numbers(),
            pending_seats=numbers(),
            pending_quote=numbers(),
        )


class Lifecycle:
    """Steps a batch's accounts through the run; each phase adds its row versions."""

    def __init__(
        self,
        cal: Calendar,
        params: P.Params,
        rng: np.random.Generator,
        rows: Rows,
        accounts: BatchAccounts,
        tallies: Accumulators,
    ) -> None:
        self.cal, self.params, self.rng, self.rows = cal, params, rng, rows
        self.accounts, self.tallies = accounts, tallies
        self.month_s = cal.month_s
        self.state = AccountState.start(cal, params, rng, accounts)
        self.training_rate = by_segment(accounts.segment, params.adhoc_training_monthly_rate)
        self.expansion_rate = by_segment(accounts.segment, params.expansion_monthly_rate)
        self.deal_rounds: list[Deals] = []  # every quote round, in the order emitted
        # seats under contract per account and month (0: none), months 0..months (the
        # last: the month after the run); logged, never drawn, like `deal_rounds`
        self.seats_by_month = np.zeros((len(accounts), cal.months + 1), dtype=np.int64)

    def run(self) -> None:
        """The run's months, then one more whose invoices are drafts made before the end."""
        for month in range(self.cal.months + 1):
            after_the_run = month == self.cal.months
            expanding = self._add_won_expansion_seats()
            self._end_terms(month)
            self._start_won_contracts(month)
            self._bill_contracts(month, expanding, drafts=after_the_run)
            self._log_seats(month)
            if after_the_run:
                break
            self._bill_adhoc_training(month)
            self._quote_new_business(month)
            self._quote_renewals(month)
            self._quote_expansions(month)

    def _log_seats(self, month: int) -> None:
        """The seats billed for the month (the recurring lines' quantity, expansions
        included): what the product usage is licensed for (`usage.py`)."""
        state = self.state
        self.seats_by_month[:, month] = np.where(state.stage == Stage.ACTIVE, state.seats, 0)

    # -- contracts ---------------------------------------------------------------------
    def _add_won_expansion_seats(self) -> np.ndarray:
        """Expansions won last month take effect; returns which accounts expand."""
        state = self.state
        expanding = (state.stage == Stage.ACTIVE) & (state.pending_seats > 0)
        state.seats = np.where(expanding, state.seats + state.pending_seats, state.seats)
        return expanding

    def _end_terms(self, month: int) -> None:
        """Terms ending this month renew (the renewal quote's seats) or churn."""
        state = self.state
        ending = (state.stage == Stage.ACTIVE) & (state.end_month == month)
        renewing = ending & state.renewal_accepted
        state.end_month = np.where(renewing, state.end_month + state.term_months, state.end_month)
        state.seats = np.where(renewing, state.renewal_seats, state.seats)
        state.contract_quote = np.where(renewing, state.renewal_quote, state.contract_quote)
        churning = ending & ~state.renewal_accepted
        state.stage = np.where(churning, Stage.CHURNED, state.stage)
        state.next_platform_bill = np.where(churning, NO_MONTH, state.next_platform_bill)
        state.next_addon_bill = np.where(churning, NO_MONTH, state.next_addon_bill)
        self._plan_winbacks(month, np.flatnonzero(churning))

    def _plan_winbacks(self, month: int, churned: np.ndarray) -> None:
        """Some churned accounts get a win-back quote months later."""
        rng = self.rng
        courted = churned[rng.random(len(churned)) < self.params.winback_rate]
        if len(courted):
            count = len(courted)
            quote_s = (
                self.month_s[month]
                + random_days(rng, self.params.winback_gap_days, count)
                + office_time(rng, count)
            )
            self.state.next_quote_s[courted] = quote_s
            self.state.next_quote_month[courted] = self.cal.month_of(quote_s)

    def _start_won_contracts(self, month: int) -> None:
        state = self.state
        starting = (state.stage == Stage.WON) & (state.start_month == month)
        state.stage = np.where(starting, Stage.ACTIVE, state.stage)
        state.end_month = np.where(starting, month + state.term_months, state.end_month)
        state.seats = np.where(starting, state.won_seats, state.seats)
        state.contract_quote = np.where(starting, state.won_quote, state.contract_quote)
        state.next_platform_bill = np.where(starting, month, state.next_platform_bill)
        state.next_addon_bill = np.where(
            starting & self.accounts.has_addon, month, state.next_addon_bill
        )

    # -- billing -------------------------------------------------------------------------
    def _bill_contracts(self, month: int, expanding: np.ndarray, drafts: bool) -> None:
        """Regular invoices of the products due this month, prorated invoices of the
        expansions taking effect; then each product's next invoice month."""
        state, accounts = self.state, self.accounts
        active = state.stage == Stage.ACTIVE
        platform_due = active & (state.next_platform_bill == month)
        addon_due = active & accounts.has_addon & (state.next_addon_bill == month)
        self._bill_regular(month, platform_due, addon_due, drafts)
        self._bill_prorated(
            month,
            expanding & (state.next_platform_bill > month) & ~platform_due,
            expanding & accounts.has_addon & (state.next_addon_bill > month) & ~addon_due,
            drafts,
        )
        state.pending_seats = np.where(expanding, 0, state.pending_seats)
        state.next_platform_bill = np.where(
            platform_due,
            state.next_platform_bill + accounts.platform_interval,
            state.next_platform_bill,
        )
        state.next_addon_bill = np.where(
            addon_due, state.next_addon_bill + accounts.addon_interval, state.next_addon_bill
        )

    def _bill_regular(
        self, month: int, platform_due: np.ndarray, addon_due: np.ndarray, drafts: bool
    ) -> None:
        """One invoice per account due; now and then it is issued twice and the copy voided."""
        billed = np.flatnonzero(platform_due | addon_due)
        if not len(billed):
            return
        count = len(billed)
        issued_s = self._regular_issue_s(month, count, drafts)
        lines = self._regular_lines(month, billed, platform_due[billed], addon_due[billed], drafts)
        quote_no = self.state.contract_quote[billed]
        status = InvoiceStatus.DRAFT if drafts else InvoiceStatus.OPEN
        self._emit_invoices(billed, issued_s, quote_no, lines, status)
        issued_twice = (self.rng.random(count) < self.params.void_duplicate_rate) & (not drafts)
        if issued_twice.any():
            copies = [line.subset(issued_twice) for line in lines]
            self._emit_invoices(
                billed[issued_twice],
                issued_s[issued_twice] + 600,
                quote_no[issued_twice],
                copies,
                InvoiceStatus.VOID,
            )
        self.state.onboarding_due[billed] = False

    def _regular_issue_s(self, month: int, count: int, drafts: bool) -> np.ndarray:
        """Early on the month's first day; drafts in the last days before it."""
        rng = self.rng
        if drafts:
            return self.month_s[month] - random_days(rng, (1, 4), count) - office_time(rng, count)
        return self.month_s[month] + rng.integers(HOUR, 6 * HOUR, count)

    def _regular_lines(
        self,
        month: int,
        billed: np.ndarray,
        platform_due: np.ndarray,
        addon_due: np.ndarray,
        drafts: bool,
    ) -> list[InvoiceLine]:
        """Platform and add-on seats for their billing interval, onboarding once, and
        sometimes a service credit against the platform line."""
        accounts, state, params = self.accounts, self.state, self.params
        count = len(billed)
        seats = state.seats[billed]
        plan, addon = accounts.plan[billed], accounts.addon[billed]
        platform_interval = accounts.platform_interval[billed]
        addon_interval = accounts.addon_interval[billed]
        platform_c = seats * accounts.platform_unit_c[billed] * platform_interval
        credited = platform_due & (self.rng.random(count) < params.credit_rate) & (not drafts)
        credit_c = -np.round(platform_c * params.credit_share).astype(np.int64)
        this_month = np.full(count, month)
        return [
            InvoiceLine(
                billed=platform_due,
                product=plan,
                line_no=1,
                description=plan,
                quantity=seats,
                unit_c=accounts.platform_unit_c[billed] * platform_interval,
                period_start_m=this_month,
                period_end_m=month + platform_interval,
            ),
            InvoiceLine(
                billed=addon_due,
                product=addon,
                line_no=2,
                description=addon,
                quantity=seats,
                unit_c=accounts.addon_unit_c[billed] * addon_interval,
                period_start_m=this_month,
                period_end_m=month + addon_interval,
            ),
            InvoiceLine.one_time(
                state.onboarding_due[billed],
                P.P_ONB,
                3,
                accounts.onboarding_units[billed],
                accounts.onboarding_price_c[billed],
            ),
            InvoiceLine.one_time(credited, P.P_CRD, 4, np.ones(count, dtype=np.int64), credit_c),
        ]

    def _bill_prorated(
        self, month: int, platform_due: np.ndarray, addon_due: np.ndarray, drafts: bool
    ) -> None:
        """Expansion seats from this month to each product's next regular invoice."""
        billed = np.flatnonzero(platform_due | addon_due)
        if not len(billed):
            return
        accounts, state = self.accounts, self.state
        count = len(billed)
        if drafts:
            issued_s = self.month_s[month] - random_days(self.rng, (1, 4), count)
        else:
            issued_s = self.month_s[month] + 7 * HOUR
        plan, addon = accounts.plan[billed], accounts.addon[billed]
        next_platform = state.next_platform_bill[billed]
        next_addon = state.next_addon_bill[billed]
        added_seats = state.pending_seats[billed]
        this_month = np.full(count, month)
        lines = [
            InvoiceLine(
                billed=platform_due[billed],
                product=plan,
                line_no=1,
                description=plan + PRORATED,
                quantity=added_seats,
                unit_c=accounts.platform_unit_c[billed] * (next_platform - month),
                period_start_m=this_month,
                period_end_m=next_platform,
            ),
            InvoiceLine(
                billed=addon_due[billed],
                product=addon,
                line_no=2,
                description=addon + PRORATED,
                quantity=added_seats,
                unit_c=accounts.addon_unit_c[billed] * (next_addon - month),
                period_start_m=this_month,
                period_end_m=next_addon,
            ),
        ]
        status = InvoiceStatus.DRAFT if drafts else InvoiceStatus.OPEN
        self._emit_invoices(billed, issued_s, state.pending_quote[billed], lines, status)

    def _bill_adhoc_training(self, month: int) -> None:
        """Training hours bought now and then by active customers, invoiced at once."""
        rng, accounts = self.rng, self.accounts
        active = self.state.stage == Stage.ACTIVE
        trained = np.flatnonzero(active & (rng.random(len(accounts)) < self.training_rate))
        if not len(trained):
            return
        count = len(trained)
        issued_s = self.month_s[month] + random_days(rng, (4, 24), count) + office_time(rng, count)
        low, high = self.params.training_hours
        hours = rng.integers(low, high + 1, count)
        every = np.ones(count, dtype=bool)
        line = InvoiceLine.one_time(every, P.P_TRN, 1, hours, accounts.training_price_c[trained])
        quote_no = np.full(count, NO_QUOTE)
        self._emit_invoices(trained, issued_s, quote_no, [line], InvoiceStatus.OPEN)

    def _emit_invoices(
        self,
        account_idx: np.ndarray,
        issued_s: object,
        quote_no: np.ndarray,
        lines: list[InvoiceLine],
        status: int,
    ) -> None:
        """One invoice per account with its `lines`, as a DRAFT (after the run), OPEN (then
        collected) or VOID (a duplicate: open, voided the next day)."""
        count = len(account_idx)
        issued_s = np.broadcast_to(np.asarray(issued_s, dtype=np.int64), (count,))
        invoice_no = self.state.invoices_made[account_idx].copy()
        self.state.invoices_made[account_idx] += 1
        total_c = self._emit_invoice_lines(account_idx, invoice_no, issued_s, lines)
        draft = status == InvoiceStatus.DRAFT
        header = dict(
            g=self.accounts.number[account_idx],
            iseq=invoice_no,
            qseq=np.broadcast_to(quote_no, (count,)),
            currency=self.accounts.currency[account_idx],
            issued_d=NULL if draft else issued_s // DAY,
            due_d=NULL
            if draft
            else issued_s // DAY + self.accounts.payment_terms_days[account_idx],
            total_c=total_c,
        )
        first_status = InvoiceStatus.DRAFT if draft else InvoiceStatus.OPEN
        self.rows.add("invoices", **header, status=first_status, updated_s=issued_s + 30)
        if status == InvoiceStatus.VOID:
            self.rows.add("invoices", **header, status=InvoiceStatus.VOID, updated_s=issued_s + DAY)
        elif status == InvoiceStatus.OPEN:
            self._collect(account_idx, invoice_no, header, issued_s, total_c)

    def _emit_invoice_lines(
        self,
        account_idx: np.ndarray,
        invoice_no: np.ndarray,
        issued_s: np.ndarray,
        lines: list[InvoiceLine],
    ) -> np.ndarray:
        """The invoices' lines; returns each invoice's total."""
        month_day = self.cal.month_day
        total_c = np.zeros(len(account_idx), dtype=np.int64)
        for line in lines:
            billed = line.billed
            amount_c = line.quantity * line.unit_c
            total_c += np.where(billed, amount_c, 0)
            start_m, end_m = line.period_start_m, line.period_end_m
            start_d = np.where(start_m < 0, NULL, month_day[np.maximum(start_m, 0)])
            end_d = np.where(end_m < 0, NULL, month_day[np.maximum(end_m, 0)])
            self.rows.add(
                "invoice_lines",
                g=self.accounts.number[account_idx][billed],
                iseq=invoice_no[billed],
                lseq=line.line_no,
                product=select_rows(line.product, billed),
                desc=select_rows(line.description, billed),
                qty=line.quantity[billed],
                unit_c=line.unit_c[billed],
                amount_c=amount_c[billed],
                pstart_d=select_rows(start_d, billed),
                pend_d=select_rows(end_d, billed),
                updated_s=issued_s[billed],
            )
        return total_c

    # -- collections -----------------------------------------------------------------------
    def _collect(
        self,
        account_idx: np.ndarray,
        invoice_no: np.ndarray,
        header: dict[str, object],
        issued_s: np.ndarray,
        total_c: np.ndarray,
    ) -> None:
        """Payments of open invoices, then each invoice paid or written off."""
        outcome = self._draw_collection(account_idx, issued_s, total_c)
        paid_s = self._emit_payments(account_idx, invoice_no, total_c, outcome)
        received = ~outcome.uncollectible
        self.rows.add(
            "invoices",
            **subset_rows(header, received),
            status=InvoiceStatus.PAID,
            updated_s=paid_s[received] + 60,
        )
        written_off_s = (header["due_d"] + self.params.write_off_after_due_days) * DAY + 9 * HOUR
        unpaid = outcome.uncollectible
        self.rows.add(
            "invoices",
            **subset_rows(header, unpaid),
            status=InvoiceStatus.UNCOLLECTIBLE,
            updated_s=written_off_s[unpaid],
        )

    def _draw_collection(
        self, account_idx: np.ndarray, issued_s: np.ndarray, total_c: np.ndarray
    ) -> Collection:
        rng, params = self.rng, self.params
        count = len(account_idx)
        segment = self.accounts.segment[account_idx]
        uncollectible = rng.random(count) < by_segment(segment, params.uncollectible_rate)
        mean_delay_days = by_segment(segment, params.pay_delay_days_mean)
        delay_days = rng.gamma(params.pay_delay_shape, mean_delay_days / params.pay_delay_shape)
        first_s = (
            issued_s
            + np.round(delay_days * DAY).astype(np.int64)
            + rng.integers(HOUR, 6 * HOUR, count)
        )
        collectible = ~uncollectible
        partial = collectible & (rng.random(count) < params.partial_payment_rate)
        failed = (
            collectible
            & ~partial
            & (rng.random(count) < by_segment(segment, params.failed_payment_rate))
        )
        refunded = collectible & (rng.random(count) < params.refunded_duplicate_rate)
        partial_share = rng.uniform(0.3, 0.7, count)
        partial_c = np.maximum(1, np.round(total_c * partial_share)).astype(np.int64)
        second_s = np.where(
            partial,
            first_s + random_days(rng, params.partial_gap_days, count),
            first_s + random_days(rng, params.retry_after_failure_days, count),
        )
        with_account = rng.random(count) >= params.payment_without_account_rate
        refund_delay_s = random_days(rng, (3, 14), count)
        return Collection(
            uncollectible=uncollectible,
            first_s=first_s,
            partial=partial,
            failed=failed,
            refunded=refunded,
            partial_c=partial_c,
            second_s=second_s,
            with_account=with_account,
            refund_delay_s=refund_delay_s,
        )

    def _emit_payments(
        self,
        account_idx: np.ndarray,
        invoice_no: np.ndarray,
        total_c: np.ndarray,
        outcome: Collection,
    ) -> np.ndarray:
        """Payment 1 (in full, partial or failed), 2 (the rest, or the retry), 3 (a duplicate
        charge, refunded later); returns when each invoice was paid in full."""
        accounts = self.accounts
        number = accounts.number[account_idx]
        method = np.where(outcome.failed, CARD, accounts.preferred_method[account_idx])
        payment = dict(
            g=number,
            iseq=invoice_no,
            acct_g=number,
            has_acct=outcome.with_account,
            currency=accounts.currency[account_idx],
            method=method,
        )
        received = ~outcome.uncollectible
        first_c = np.where(outcome.partial, outcome.partial_c, total_c)
        first_status = np.where(outcome.failed, PaymentStatus.FAILED, PaymentStatus.SUCCEEDED)
        self.rows.add(
            "payments",
            **subset_rows(payment, received),
            pseq=1,
            amount_c=first_c[received],
            received_s=outcome.first_s[received],
            status=first_status[received],
            updated_s=outcome.first_s[received] + 120,
        )
        second = outcome.partial | outcome.failed
        second_c = np.where(outcome.partial, total_c - outcome.partial_c, total_c)
        self.rows.add(
            "payments",
            **subset_rows(payment, second),
            pseq=2,
            amount_c=second_c[second],
            received_s=outcome.second_s[second],
            status=PaymentStatus.SUCCEEDED,
            updated_s=outcome.second_s[second] + 120,
        )
        paid_s = np.where(second, outcome.second_s, outcome.first_s) + 120
        duplicate_s = paid_s + HOUR
        refunded = outcome.refunded
        for status, updated_s in (
            (PaymentStatus.SUCCEEDED, duplicate_s),
            (PaymentStatus.REFUNDED, duplicate_s + outcome.refund_delay_s),
        ):
            self.rows.add(
                "payments",
                **subset_rows(payment, refunded),
                pseq=3,
                amount_c=total_c[refunded],
                received_s=duplicate_s[refunded],
                status=status,
                updated_s=updated_s[refunded],
            )
        return paid_s

    # -- quoting -------------------------------------------------------------------------
    def _quote_new_business(self, month: int) -> None:
        """New-business quotes of prospects and win-back quotes of churned accounts;
        a won quote's contract starts the month after the decision."""
        state = self.state
        waiting = (state.stage == Stage.PROSPECT) | (state.stage == Stage.CHURNED)
        quoted = np.flatnonzero(waiting & (state.next_quote_month == month))
        if not len(quoted):
            return
        quotes, won, abandoned, start_month = self._draw_new_business(quoted)
        quote_no = self._emit_quotes(quotes, won)
        winners = quoted[won]
        state.stage[winners] = Stage.WON
        state.start_month[winners] = start_month[won]
        state.term_months[winners] = quotes.term_months[won]
        state.won_seats[winners] = quotes.seats[won]
        state.won_quote[winners] = quote_no[won]
        state.onboarding_due[winners] = quotes.with_onboarding[won]
        state.next_quote_month[winners] = NO_MONTH
        self._plan_retries(quotes, won, abandoned)

    def _draw_new_business(
        self, quoted: np.ndarray
    ) -> tuple[QuoteRound, np.ndarray, np.ndarray, np.ndarray]:
        """The quotes, which are won, which abandoned as drafts, and each start month."""
        rng, params, accounts = self.rng, self.params, self.accounts
        count = len(quoted)
        segment = accounts.segment[quoted]
        winback = self.state.stage[quoted] == Stage.CHURNED
        created_s = self.state.next_quote_s[quoted]
        abandoned = rng.random(count) < params.abandoned_draft_rate
        sent_s = (
            created_s
            + random_days(rng, params.send_delay_days, count)
            + rng.integers(60, 4 * HOUR, count)
        )
        mean_cycle_days = by_segment(segment, params.cycle_days_mean)
        cycle_days = np.maximum(1, np.round(rng.gamma(2.0, mean_cycle_days / 2.0)))
        decided_s = sent_s + cycle_days.astype(np.int64) * DAY + rng.integers(0, 8 * HOUR, count)
        win_rate = np.where(
            winback, params.winback_win_rate, by_segment(segment, params.new_win_rate)
        )
        won = ~abandoned & (rng.random(count) < win_rate)
        decided_s, status = self._decide(won, sent_s, decided_s)
        term_months = pick_by_segment(rng, segment, params.term_choices)
        start_month = np.minimum(self.cal.month_of(decided_s) + 1, len(self.cal.month_day) - 1)
        first_seats = accounts.first_seats[quoted]
        winback_seats = np.maximum(1, np.round(first_seats * rng.uniform(0.5, 1.0, count)))
        seats = np.where(winback, winback_seats, first_seats).astype(np.int64)
        with_onboarding = ~winback & (
            rng.random(count) < by_segment(segment, params.onboarding_rate)
        )
        quotes = QuoteRound(
            account_idx=quoted,
            quote_type=QuoteType.NEW,
            created_s=created_s,
            sent_s=np.where(abandoned, NULL, sent_s),
            decided_s=decided_s,
            status=status,
            start_d=self.cal.month_day[start_month],
            term_months=term_months,
            seats=seats,
            with_onboarding=with_onboarding,
        )
        return quotes, won, abandoned, start_month

    def _plan_retries(self, quotes: QuoteRound, won: np.ndarray, abandoned: np.ndarray) -> None:
        """After a loss (or an abandoned draft), maybe another new quote months later."""
        rng, params = self.rng, self.params
        count = len(won)
        segment = self.accounts.segment[quotes.account_idx]
        retry = ~won & (rng.random(count) < by_segment(segment, params.retry_rate))
        lost_s = np.where(abandoned, quotes.created_s + 2 * DAY, quotes.decided_s)
        next_s = lost_s + random_days(rng, params.retry_gap_days, count) + office_time(rng, count)
        lost = ~won
        retrying = np.where(retry[lost], self.cal.month_of(next_s[lost]), NO_MONTH)
        self.state.next_quote_month[quotes.account_idx[lost]] = retrying
        self.state.next_quote_s[quotes.account_idx[lost]] = next_s[lost]

    def _quote_renewals(self, month: int) -> None:
        """Renewal quotes `renewal_lead_months` before the term ends."""
        state, params, rng = self.state, self.params, self.rng
        ends_soon = state.end_month - params.renewal_lead_months == month
        renewing = np.flatnonzero((state.stage == Stage.ACTIVE) & ends_soon)
        if not len(renewing):
            return
        count = len(renewing)
        created_s = self.month_s[month] + random_days(rng, (3, 20), count) + office_time(rng, count)
        sent_s = created_s + random_days(rng, (1, 4), count)
        decided_s = sent_s + random_days(rng, (5, 25), count)
        segment = self.accounts.segment[renewing]
        accepted = rng.random(count) < by_segment(segment, params.renewal_rate)
        seat_factor = self._renewal_seat_factor(count)
        seats = np.maximum(1, np.round(state.seats[renewing] * seat_factor)).astype(np.int64)
        decided_s, status = self._decide(accepted, sent_s, decided_s)
        quotes = QuoteRound(
            account_idx=renewing,
            quote_type=QuoteType.RENEWAL,
            created_s=created_s,
            sent_s=sent_s,
            decided_s=decided_s,
            status=status,
            start_d=self.cal.month_day[state.end_month[renewing]],
            term_months=state.term_months[renewing],
            seats=seats,
            with_onboarding=np.zeros(count, dtype=bool),
        )
        quote_no = self._emit_quotes(quotes, accepted)
        state.renewal_accepted[renewing] = accepted
        state.renewal_seats[renewing] = seats
        state.renewal_quote[renewing] = quote_no

    def _renewal_seat_factor(self, count: int) -> np.ndarray:
        """Renewed seats / current seats: fewer, more, or the same."""
        rng, params = self.rng, self.params
        draw = rng.random(count)
        shrink = draw < params.renewal_contraction_rate
        grow = ~shrink & (draw < params.renewal_contraction_rate + params.renewal_expansion_rate)
        return np.where(
            shrink,
            rng.uniform(*params.renewal_contraction_factor, count),
            np.where(grow, rng.uniform(*params.renewal_expansion_factor, count), 1.0),
        )

    def _quote_expansions(self, month: int) -> None:
        """Expansion quotes mid-term: more seats from next month to the term's end."""
        state, params, rng = self.state, self.params, self.rng
        active = state.stage == Stage.ACTIVE
        before_renewal = state.end_month - month > params.renewal_lead_months
        asks = rng.random(len(self.accounts)) < self.expansion_rate
        expanding = np.flatnonzero(active & before_renewal & asks)
        if not len(expanding):
            return
        count = len(expanding)
        created_s = self.month_s[month] + random_days(rng, (0, 14), count) + office_time(rng, count)
        sent_s = created_s + random_days(rng, (0, 3), count) + 600
        decided_s = sent_s + random_days(rng, (1, 10), count)
        accepted = rng.random(count) < params.expansion_win_rate
        decided_s, status = self._decide(accepted, sent_s, decided_s)
        seat_factor = rng.uniform(*params.expansion_seat_factor, count)
        added = np.maximum(1, np.round(state.seats[expanding] * seat_factor)).astype(np.int64)
        quotes = QuoteRound(
            account_idx=expanding,
            quote_type=QuoteType.EXPANSION,
            created_s=created_s,
            sent_s=sent_s,
            decided_s=decided_s,
            status=status,
            start_d=self.cal.month_day[month + 1],
            term_months=state.end_month[expanding] - (month + 1),
            seats=added,
            with_onboarding=np.zeros(count, dtype=bool),
        )
        quote_no = self._emit_quotes(quotes, accepted)
        state.pending_seats[expanding[accepted]] = added[accepted]
        state.pending_quote[expanding[accepted]] = quote_no[accepted]

    def _decide(
        self, accepted: np.ndarray, sent_s: np.ndarray, decided_s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(decision time, status): a lost quote is rejected, or expires
        `expire_after_days` after it was sent."""
        params = self.params
        expired = self.rng.random(len(accepted)) < params.lost_expired_share
        lost_status = np.where(expired, QuoteStatus.EXPIRED, QuoteStatus.REJECTED)
        expired_s = sent_s + params.expire_after_days * DAY
        decided_s = np.where(~accepted & expired, expired_s, decided_s)
        return decided_s, np.where(accepted, QuoteStatus.ACCEPTED, lost_status)

    def _deal_value_usd(self, quotes: QuoteRound) -> np.ndarray:
        """Each quote's contract value (its TCV once accepted) in USD at the first FX rate."""
        accounts = self.accounts
        idx = quotes.account_idx
        list_c = accounts.platform_list_c[idx] + accounts.addon_list_c[idx]
        monthly_c = quotes.seats * list_c * (100 - accounts.discount_pct[idx]) / 100
        onboarding_c = np.where(
            quotes.with_onboarding,
            accounts.onboarding_units[idx] * accounts.onboarding_price_c[idx],
            0,
        )
        value_c = monthly_c * quotes.term_months + onboarding_c
        return value_c * accounts.usd_per_unit[idx] / 100

    def _tally_bookings(
        self, quotes: QuoteRound, accepted: np.ndarray, value_usd: np.ndarray
    ) -> None:
        """Accepted quotes' contract value in USD, by owner and month decided."""
        idx = quotes.account_idx[accepted]
        decided_month = self.cal.month_of(quotes.decided_s[accepted])
        in_run = decided_month < self.cal.months
        owner = self.accounts.rep[idx][in_run]
        usd = value_usd[accepted][in_run]
        np.add.at(self.tallies.bookings, (owner, decided_month[in_run]), usd)

    def _emit_quotes(self, quotes: QuoteRound, accepted: np.ndarray) -> np.ndarray:
        """Versions of the quotes and their lines; the accepted ones' bookings; the deal
        log the activities are drawn from. Returns the quotes' numbers."""
        idx = quotes.account_idx
        count = len(idx)
        quote_no = self.state.quotes_made[idx].copy()
        self.state.quotes_made[idx] += 1
        header = dict(
            g=self.accounts.number[idx],
            qseq=quote_no,
            rep=self.accounts.rep[idx],
            qtype=np.full(count, quotes.quote_type),
            currency=self.accounts.currency[idx],
            created_s=quotes.created_s,
            start_d=quotes.start_d,
            term=quotes.term_months,
        )
        header = {name: np.broadcast_to(v, (count,)) for name, v in header.items()}
        abandoned = quotes.sent_s == NULL
        self._emit_quote_versions(quotes, header, abandoned)
        self._emit_quote_lines(quotes, quote_no, abandoned)
        value_usd = self._deal_value_usd(quotes)
        self._tally_bookings(quotes, accepted, value_usd)
        self.deal_rounds.append(Deals.of_round(quotes, quote_no, accepted, value_usd))
        return quote_no

    def _emit_quote_versions(
        self, quotes: QuoteRound, header: dict[str, np.ndarray], abandoned: np.ndarray
    ) -> None:
        """Draft, sent, decided; an abandoned draft is deleted two days after creation."""
        rows = self.rows
        unset = dict(sent_s=NULL, decided_s=NULL)
        rows.add(
            "quotes",
            **header,
            status=QuoteStatus.DRAFT,
            **unset,
            updated_s=quotes.created_s,
            is_deleted=False,
        )
        sent = ~abandoned
        sent_header, sent_s = subset_rows(header, sent), quotes.sent_s[sent]
        rows.add(
            "quotes",
            **sent_header,
            status=QuoteStatus.SENT,
            sent_s=sent_s,
            decided_s=NULL,
            updated_s=sent_s,
            is_deleted=False,
        )
        decided_s = quotes.decided_s[sent]
        rows.add(
            "quotes",
            **sent_header,
            status=quotes.status[sent],
            sent_s=sent_s,
            decided_s=decided_s,
            updated_s=decided_s,
            is_deleted=False,
        )
        deleted_s = quotes.created_s + 2 * DAY
        rows.add(
            "quotes",
            **subset_rows(header, abandoned),
            status=QuoteStatus.DRAFT,
            **unset,
            updated_s=deleted_s[abandoned],
            is_deleted=True,
        )

    def _emit_quote_lines(
        self, quotes: QuoteRound, quote_no: np.ndarray, abandoned: np.ndarray
    ) -> None:
        """Platform and add-on seats at list price with the account's discount, and
        onboarding; the lines of an abandoned draft are deleted with it."""
        accounts, idx = self.accounts, quotes.account_idx
        count = len(idx)
        discount_pct = accounts.discount_pct[idx]
        null_discount = (discount_pct == 0) & (
            self.rng.random(count) < self.params.null_discount_rate
        )
        discount_pct = np.where(null_discount, NULL, discount_pct)
        lines = (
            QuoteLine(
                quoted=np.ones(count, dtype=bool),
                product=accounts.plan[idx],
                line_no=1,
                quantity=quotes.seats,
                unit_c=accounts.platform_list_c[idx],
                discount_pct=discount_pct,
            ),
            QuoteLine(
                quoted=accounts.has_addon[idx],
                product=accounts.addon[idx],
                line_no=2,
                quantity=quotes.seats,
                unit_c=accounts.addon_list_c[idx],
                discount_pct=discount_pct,
            ),
            QuoteLine(
                quoted=quotes.with_onboarding,
                product=np.full(count, P.P_ONB),
                line_no=3,
                quantity=accounts.onboarding_units[idx],
                unit_c=accounts.onboarding_price_c[idx],
                discount_pct=0,
            ),
        )
        number = accounts.number[idx]
        deleted_s = quotes.created_s + 2 * DAY
        for line in lines:
            discount = np.broadcast_to(line.discount_pct, (count,))
            for deleted in (False, True):
                emitted = line.quoted & (abandoned if deleted else True)
                self.rows.add(
                    "quote_lines",
                    g=number[emitted],
                    qseq=quote_no[emitted],
                    lseq=line.line_no,
                    product=line.product[emitted],
                    qty=line.quantity[emitted],
                    unit_c=line.unit_c[emitted],
                    disc=discount[emitted],
                    updated_s=(deleted_s if deleted else quotes.created_s)[emitted],
                    is_deleted=deleted,
                )


class SimulatedBatch(NamedTuple):
    rows: Rows
    accounts: BatchAccounts
    deals: Deals
    seats_by_month: np.ndarray  # (accounts, months + 1): seats under contract, 0: none


def simulate_batch(
    cal: Calendar,
    params: P.Params,
    total_accounts: int,
    n_reps: int,
    first_account: int,
    count: int,
    rng: np.random.Generator,
    tallies: Accumulators,
    pool_size: int,
) -> SimulatedBatch:
    """Row versions of accounts first_account..first_account+count-1 over the run; adds
    their leads and bookings to `tallies`. The same `rng` state gives the same rows.
    Also returns the accounts, their quotes and their seats by month, which the leads,
    activities, product usage and CSAT responses (`leads.py`, `activities.py`,
    `usage.py`, `csat.py`) are drawn from with random streams of their own."""
    rows = Rows(cal.end_s)
    accounts = draw_accounts(
        cal, params, rng, first_account, count, total_accounts, n_reps, pool_size
    )
    emit_account_versions(rows, accounts, params, rng, n_reps, pool_size)
    tally_accounts_created(tallies, cal, accounts)
    lifecycle = Lifecycle(cal, params, rng, rows, accounts, tallies)
    lifecycle.run()
    deals = Deals.concat(lifecycle.deal_rounds)
    return SimulatedBatch(rows, accounts, deals, lifecycle.seats_by_month)
