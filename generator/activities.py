"""The activities of a batch: the calls, e-mails, meetings and demos reps log.

Three kinds, each logged by the rep who owns what it is about:

- on deals: a Poisson number per quote (not an abandoned draft, which is
  deleted), between the quote's creation and its decision, with a mean that
  grows with the deal's value (`Params.deal_activities_*`) and is smaller for a
  lost deal, a renewal or an expansion; `account_id` and `quote_id` set;
- on leads: a Poisson number per lead by its fate, between its creation and
  its conversion or fate; `lead_id` set;
- on accounts (account management): a Poisson number per month of each won
  contract, new or renewal, spread over it; `account_id` set.

Activities after the run's end are not emitted (an open deal's later contacts
have not happened yet). A few are deleted days later (logged in error). An
activity id is `ACT<slot>-<nnnn>`: the slot is the account number (a lead's
slot for a lead's), `nnnn` numbers the slot's activities in time order. Draws
come from the batch's activity stream only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import params as P
from .accounts import BatchAccounts
from .batch import DAY, HOUR, Rows, number_within, random_days
from .enums import QuoteType
from .leads import BatchLeads, LeadFate
from .simulate import Deals

NONE = -1  # an unset reference (account, quote or lead)
DAYS_PER_MONTH = 30.44


class _Drawn(NamedTuple):
    slot: np.ndarray
    rep: np.ndarray
    activity_type: np.ndarray
    occurred_s: np.ndarray
    account_g: np.ndarray
    quote_no: np.ndarray
    lead_slot: np.ndarray
    lead_seq: np.ndarray


def make_activities(
    rows: Rows,
    params: P.Params,
    accounts: BatchAccounts,
    deals: Deals,
    leads: BatchLeads,
    rng: np.random.Generator,
) -> None:
    """Draw the batch's activities and add their versions to `rows`."""
    drawn = _Drawn(
        *(
            np.concatenate(parts)
            for parts in zip(
                _on_deals(params, accounts, deals, rng),
                _on_leads(params, leads, rng),
                _on_accounts(params, accounts, deals, rng),
                strict=True,
            )
        )
    )
    count = len(drawn.slot)
    first = dict(
        g=drawn.slot,
        aseq=number_within(drawn.slot, drawn.occurred_s),
        rep=drawn.rep,
        atype=drawn.activity_type,
        occurred_s=drawn.occurred_s,
        acct_g=drawn.account_g,
        qseq=drawn.quote_no,
        lead_g=drawn.lead_slot,
        lead_seq=drawn.lead_seq,
    )
    logged_s = drawn.occurred_s + rng.integers(60, 2 * HOUR, count)
    rows.add("activities", **first, updated_s=logged_s, is_deleted=False)
    deleted = rng.random(count) < params.deleted_activity_rate
    deleted_s = logged_s + random_days(rng, (1, 3), count)
    rows.add(
        "activities",
        **{name: column[deleted] for name, column in first.items()},
        updated_s=deleted_s[deleted],
        is_deleted=True,
    )


def _types(mix: tuple[float, ...], rng: np.random.Generator, count: int) -> np.ndarray:
    """Activity-type codes drawn from `mix` (written in the contract's order)."""
    drawn = np.searchsorted(np.cumsum(mix), rng.random(count), side="right")
    return np.minimum(drawn, len(mix) - 1)


def _spread(
    rng: np.random.Generator, owner: np.ndarray, start_s: np.ndarray, end_s: np.ndarray
) -> np.ndarray:
    """For each activity, a time in [start, end) of its owner (a deal, lead or contract)."""
    span = end_s[owner] - start_s[owner]
    return start_s[owner] + np.floor(rng.random(len(owner)) * span).astype(np.int64)


def _on_deals(
    params: P.Params, accounts: BatchAccounts, deals: Deals, rng: np.random.Generator
) -> _Drawn:
    """More contacts for deals of more value; fewer for lost deals, renewals, expansions."""
    value_factor = (deals.value_usd / params.deal_activities_reference_usd) ** (
        params.deal_activities_value_elasticity
    )
    type_factor = np.where(
        deals.quote_type == QuoteType.RENEWAL,
        params.renewal_activities_factor,
        np.where(deals.quote_type == QuoteType.EXPANSION, params.expansion_activities_factor, 1.0),
    )
    outcome_factor = np.where(deals.accepted, 1.0, params.lost_deal_activities_factor)
    mean = params.deal_activities_mean * value_factor * type_factor * outcome_factor
    per_deal = rng.poisson(np.where(deals.abandoned, 0.0, mean))
    deal = np.repeat(np.arange(len(per_deal)), per_deal)
    count = len(deal)
    account = deals.account_idx[deal]
    return _Drawn(
        slot=accounts.number[account],
        rep=accounts.rep[account],
        activity_type=_types(params.deal_activity_mix, rng, count),
        occurred_s=_spread(rng, deal, deals.created_s, deals.decided_s),
        account_g=accounts.number[account],
        quote_no=deals.quote_no[deal],
        lead_slot=np.full(count, NONE),
        lead_seq=np.full(count, NONE),
    )


def _on_leads(params: P.Params, leads: BatchLeads, rng: np.random.Generator) -> _Drawn:
    mean = np.select(
        [leads.fate == LeadFate.CONVERTED, leads.fate == LeadFate.STALLED],
        [params.converted_lead_activities_mean, params.stalled_lead_activities_mean],
        params.disqualified_lead_activities_mean,
    )
    per_lead = rng.poisson(mean)
    lead = np.repeat(np.arange(len(per_lead)), per_lead)
    count = len(lead)
    return _Drawn(
        slot=leads.slot[lead],
        rep=leads.rep[lead],
        activity_type=_types(params.lead_activity_mix, rng, count),
        occurred_s=_spread(rng, lead, leads.created_s, leads.worked_until_s),
        account_g=np.full(count, NONE),
        quote_no=np.full(count, NONE),
        lead_slot=leads.slot[lead],
        lead_seq=leads.seq[lead],
    )


def _on_accounts(
    params: P.Params, accounts: BatchAccounts, deals: Deals, rng: np.random.Generator
) -> _Drawn:
    """Account management over each won contract (new business or renewal)."""
    contract = np.flatnonzero(deals.accepted & (deals.quote_type != QuoteType.EXPANSION))
    term_months = deals.term_months[contract]
    per_contract = rng.poisson(params.account_activities_monthly * term_months)
    start_s = deals.start_d[contract] * DAY
    end_s = start_s + np.round(term_months * DAYS_PER_MONTH * DAY).astype(np.int64)
    owner = np.repeat(np.arange(len(contract)), per_contract)
    count = len(owner)
    account = deals.account_idx[contract][owner]
    return _Drawn(
        slot=accounts.number[account],
        rep=accounts.rep[account],
        activity_type=_types(params.account_activity_mix, rng, count),
        occurred_s=_spread(rng, owner, start_s, end_s),
        account_g=accounts.number[account],
        quote_no=np.full(count, NONE),
        lead_slot=np.full(count, NONE),
        lead_seq=np.full(count, NONE),
    )
