"""The leads of a batch: where its accounts came from, and the many that went nowhere.

Every account of the batch except the duplicates (a data-entry artefact, deleted
days after creation, never sold to) comes from one converted lead: the account's
channel (`source_channel` = `acquisition_channel`) and owner, its contact's
e-mail, converted at or shortly before the account's creation, created days or
weeks earlier (so the first accounts' leads predate the run), qualified in
between. Beside each account slot, leads of the same channel that never convert
(`Params.unconverted_leads_per_account`), created along the accounts' growth
curve: most are disqualified, some qualify and stall, some qualify and are
disqualified later; the ones decided after the run's end are still `new` or
`working`. A few are entered twice and the copy is deleted. Each status change
is a row version.

A lead id is `L<slot>-<nn>`: the slot is an account number of the batch, `nn`
numbers the slot's leads in order of creation. Draws come from the batch's
lead stream only, so the other entities do not move when leads change.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import params as P
from .accounts import BatchAccounts, creation_time
from .batch import DAY, HOUR, Calendar, Rows, number_within, random_days, subset_rows
from .encode import NULL
from .enums import LeadStatus

NO_ACCOUNT = -1  # converted_account_id of a lead that did not convert


class LeadFate:
    """How a lead ends (the simulator's own codes, never written)."""

    CONVERTED = 0
    DISQUALIFIED = 1
    STALLED = 2  # qualified, then nothing
    REQUALIFIED = 3  # qualified, then disqualified later (keeps its qualified_at)


# The fates of the leads that never convert, in the order of `Params.lead_fate_mix`.
UNCONVERTED_FATES = np.array([LeadFate.DISQUALIFIED, LeadFate.STALLED, LeadFate.REQUALIFIED])


class BatchLeads(NamedTuple):
    """One entry per lead of the batch (the deleted copies left out): what the activities
    need to know about it."""

    slot: np.ndarray  # account number the lead id is made from
    seq: np.ndarray
    rep: np.ndarray
    fate: np.ndarray  # a LeadFate code
    created_s: np.ndarray
    worked_until_s: np.ndarray  # reps log activities on it up to then


class _Drawn(NamedTuple):
    """Leads as drawn, before numbering: times of each status change (NULL: none)."""

    slot: np.ndarray
    channel: np.ndarray
    rep: np.ndarray
    fate: np.ndarray
    created_s: np.ndarray
    working_s: np.ndarray
    qualified_s: np.ndarray
    decided_s: np.ndarray  # converted or disqualified
    account_g: np.ndarray  # the account it converted into (NO_ACCOUNT: none)
    first_i: np.ndarray  # e-mail first.last@domain, indexes into the name pools
    last_i: np.ndarray
    dom_i: np.ndarray


def make_leads(
    rows: Rows,
    cal: Calendar,
    params: P.Params,
    accounts: BatchAccounts,
    rng: np.random.Generator,
    total_accounts: int,
    n_reps: int,
    pool_size: int,
) -> BatchLeads:
    """Draw the batch's leads, add their versions to `rows`, return them for the activities."""
    converted = _converted_leads(params, accounts, rng)
    others = _unconverted_leads(cal, params, accounts, rng, total_accounts, n_reps, pool_size)
    drawn = _Drawn(*(np.concatenate(pair) for pair in zip(converted, others, strict=True)))
    copies = _duplicate_copies(params, drawn, rng)
    every = _Drawn(*(np.concatenate(pair) for pair in zip(drawn, copies.drawn, strict=True)))
    seq = number_within(every.slot, every.created_s)
    originals = len(drawn.slot)
    _emit_versions(rows, drawn, seq[:originals])
    _emit_copies(rows, copies.drawn, seq[originals:], copies.deleted_s)
    stall_s = random_days(rng, params.lead_stall_days, originals)
    worked_until_s = np.where(
        drawn.fate == LeadFate.STALLED, drawn.qualified_s + stall_s, drawn.decided_s
    )
    return BatchLeads(
        drawn.slot, seq[:originals], drawn.rep, drawn.fate, drawn.created_s, worked_until_s
    )


def _converted_leads(params: P.Params, accounts: BatchAccounts, rng: np.random.Generator) -> _Drawn:
    """One lead per account (duplicates aside), converted at or just before its creation."""
    idx = np.flatnonzero(~accounts.is_duplicate)
    count = len(idx)
    channel = accounts.channel[idx]
    mean_days = np.asarray(params.lead_conversion_days_mean)[channel]
    days = np.maximum(rng.gamma(2.0, mean_days / 2.0), params.lead_min_days)
    lifetime_s = np.round(days * DAY).astype(np.int64)
    at_creation = rng.random(count) < params.converted_at_account_creation_share
    before_account_s = rng.integers(60, 3 * HOUR, count)
    converted_s = accounts.created_s[idx] - np.where(at_creation, 0, before_account_s)
    created_s = converted_s - lifetime_s
    qualified_s = created_s + np.round(lifetime_s * rng.uniform(0.4, 0.9, count)).astype(np.int64)
    working_s = created_s + np.round(
        (qualified_s - created_s) * rng.uniform(0.1, 0.5, count)
    ).astype(np.int64)
    return _Drawn(
        slot=accounts.number[idx],
        channel=channel,
        rep=accounts.rep[idx],
        fate=np.full(count, LeadFate.CONVERTED),
        created_s=created_s,
        working_s=working_s,
        qualified_s=qualified_s,
        decided_s=converted_s,
        account_g=accounts.number[idx],
        first_i=accounts.first_name_idx[idx],
        last_i=accounts.last_name_idx[idx],
        dom_i=accounts.domain_idx[idx],
    )


def _unconverted_leads(
    cal: Calendar,
    params: P.Params,
    accounts: BatchAccounts,
    rng: np.random.Generator,
    total_accounts: int,
    n_reps: int,
    pool_size: int,
) -> _Drawn:
    """Leads that never convert, around every account slot, on the accounts' growth curve."""
    per_slot = rng.poisson(np.asarray(params.unconverted_leads_per_account)[accounts.channel])
    slot_idx = np.repeat(np.arange(len(accounts)), per_slot)
    count = len(slot_idx)
    slot = accounts.number[slot_idx]
    share = (slot + rng.random(count)) / total_accounts
    created_s = creation_time(cal, params, share) + rng.integers(0, 12 * HOUR, count)
    low_hours, high_hours = params.lead_working_hours
    working_s = created_s + rng.integers(low_hours * HOUR, high_hours * HOUR, count)
    drawn_fate = np.searchsorted(np.cumsum(params.lead_fate_mix), rng.random(count), side="right")
    fate = UNCONVERTED_FATES[np.minimum(drawn_fate, len(UNCONVERTED_FATES) - 1)]
    decision_delay_s = random_days(rng, params.lead_decision_days, count)
    first_decision_s = working_s + decision_delay_s + rng.integers(0, 8 * HOUR, count)
    qualifies = fate != LeadFate.DISQUALIFIED
    requalify_s = first_decision_s + random_days(rng, params.lead_requalify_days, count)
    decided_s = np.where(
        fate == LeadFate.DISQUALIFIED,
        first_decision_s,
        np.where(fate == LeadFate.REQUALIFIED, requalify_s, NULL),
    )
    first_i, last_i, dom_i = (rng.integers(0, pool_size, count) for _ in range(3))
    return _Drawn(
        slot=slot,
        channel=accounts.channel[slot_idx],
        rep=rng.integers(0, n_reps, count),
        fate=fate,
        created_s=created_s,
        working_s=working_s,
        qualified_s=np.where(qualifies, first_decision_s, NULL),
        decided_s=decided_s,
        account_g=np.full(count, NO_ACCOUNT),
        first_i=first_i,
        last_i=last_i,
        dom_i=dom_i,
    )


class _Copies(NamedTuple):
    drawn: _Drawn
    deleted_s: np.ndarray


def _duplicate_copies(params: P.Params, drawn: _Drawn, rng: np.random.Generator) -> _Copies:
    """Leads entered twice minutes apart (not the converted ones); the copy stays `new`
    and is deleted days later."""
    count = len(drawn.slot)
    copied = (drawn.fate != LeadFate.CONVERTED) & (rng.random(count) < params.duplicate_lead_rate)
    copy = _Drawn(*(column[copied] for column in drawn))
    created_s = copy.created_s + rng.integers(60, 2 * HOUR, len(copy.slot))
    deleted_s = created_s + random_days(rng, (1, 10), len(copy.slot))
    return _Copies(copy._replace(created_s=created_s), deleted_s)


def _identity(drawn: _Drawn, seq: np.ndarray) -> dict[str, np.ndarray]:
    """The columns every version of a lead carries unchanged."""
    return dict(
        g=drawn.slot,
        lseq=seq,
        channel=drawn.channel,
        rep=drawn.rep,
        created_s=drawn.created_s,
        first_i=drawn.first_i,
        last_i=drawn.last_i,
        dom_i=drawn.dom_i,
    )


def _emit_versions(rows: Rows, drawn: _Drawn, seq: np.ndarray) -> None:
    """new -> working -> qualified -> converted; new -> working -> disqualified;
    new -> working -> qualified (stalled) [-> disqualified]."""
    fate = drawn.fate
    base = _identity(drawn, seq)
    unset = dict(converted_s=NULL, account_g=NO_ACCOUNT)
    every = np.ones(len(seq), dtype=bool)
    qualifies = fate != LeadFate.DISQUALIFIED
    disqualified_at_once = fate == LeadFate.DISQUALIFIED
    versions = (
        (every, LeadStatus.NEW, NULL, drawn.created_s, unset),
        (every, LeadStatus.WORKING, NULL, drawn.working_s, unset),
        (disqualified_at_once, LeadStatus.DISQUALIFIED, NULL, drawn.decided_s, unset),
        (qualifies, LeadStatus.QUALIFIED, drawn.qualified_s, drawn.qualified_s, unset),
        (
            fate == LeadFate.REQUALIFIED,
            LeadStatus.DISQUALIFIED,
            drawn.qualified_s,
            drawn.decided_s,
            unset,
        ),
        (
            fate == LeadFate.CONVERTED,
            LeadStatus.CONVERTED,
            drawn.qualified_s,
            drawn.decided_s,
            dict(converted_s=drawn.decided_s, account_g=drawn.account_g),
        ),
    )
    for selected, status, qualified_s, updated_s, conversion in versions:
        columns = {**base, "qualified_s": qualified_s, **conversion}
        rows.add(
            "leads",
            **subset_rows(columns, selected),
            status=status,
            updated_s=updated_s[selected],
            is_deleted=False,
        )


def _emit_copies(rows: Rows, copy: _Drawn, seq: np.ndarray, deleted_s: np.ndarray) -> None:
    columns = dict(
        **_identity(copy, seq),
        qualified_s=NULL,
        converted_s=NULL,
        account_g=NO_ACCOUNT,
        status=LeadStatus.NEW,
    )
    for updated_s, deleted in ((copy.created_s, False), (deleted_s, True)):
        rows.add("leads", **columns, updated_s=updated_s, is_deleted=deleted)
