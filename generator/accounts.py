"""The accounts of a batch: who they are and what they buy, drawn once.

`draw_accounts` makes the static attributes (creation time, segment, channel,
country, owner, names, plan, add-on, discount, seats, prices) and
`emit_account_versions` their row versions; `simulate.py` takes them through
their lifecycle. The random draws happen in a fixed order: moving one changes
every file a seed gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import params as P
from .batch import (
    DAY,
    HOUR,
    Accumulators,
    Calendar,
    Rows,
    by_segment,
    choice_by_segment,
    pick_by_segment,
    random_days,
    subset_rows,
)
from .enums import SEGMENTS

BILLING_INTERVAL_MONTHS = np.array(
    [p.billing_interval_months or 0 for p in P.PRODUCTS], dtype=np.int64
)
CURRENCY_OF_COUNTRY = np.array([P.CURRENCIES.index(c) for _, c in P.COUNTRIES])


def _discounted(price_c: np.ndarray, discount_pct: np.ndarray) -> np.ndarray:
    return np.round(price_c * (100 - discount_pct) / 100).astype(np.int64)


def price_book(params: P.Params) -> np.ndarray:
    """Local price in cents per (currency, product), from USD list prices at the first rate."""
    usd = np.array([p.list_price for p in P.PRODUCTS]) * 100
    fx = np.asarray(params.fx_start)
    return np.round(usd[None, :] / fx[:, None]).astype(np.int64)


@dataclass(frozen=True)
class BatchAccounts:
    """The batch's accounts. Enums are codes, money is cents in the account's
    currency, intervals are months; per-product prices are per seat and month."""

    number: np.ndarray  # account number in the run (its id is A<number>)
    created_s: np.ndarray
    is_duplicate: np.ndarray  # deleted a few days after creation, never quoted
    segment: np.ndarray
    channel: np.ndarray
    country: np.ndarray
    currency: np.ndarray
    industry: np.ndarray
    rep: np.ndarray  # owner rep number
    company_name_idx: np.ndarray  # indexes into the name pools
    first_name_idx: np.ndarray
    last_name_idx: np.ndarray
    domain_idx: np.ndarray
    plan: np.ndarray  # platform product
    has_addon: np.ndarray
    addon: np.ndarray  # add-on product (product 0 where there is none)
    discount_pct: np.ndarray
    first_seats: np.ndarray  # seats of the first new-business quote
    platform_list_c: np.ndarray
    addon_list_c: np.ndarray  # 0 without an add-on
    platform_unit_c: np.ndarray  # discounted
    addon_unit_c: np.ndarray
    platform_interval: np.ndarray  # billing interval
    addon_interval: np.ndarray  # 1 without an add-on
    onboarding_units: np.ndarray
    onboarding_price_c: np.ndarray  # per unit
    training_price_c: np.ndarray  # per hour
    usd_per_unit: np.ndarray  # the currency's first FX rate (bookings are tallied in USD)
    payment_terms_days: np.ndarray
    preferred_method: np.ndarray  # payments.method code

    def __len__(self) -> int:
        return len(self.number)


def draw_accounts(
    cal: Calendar,
    params: P.Params,
    rng: np.random.Generator,
    first: int,
    count: int,
    total_accounts: int,
    n_reps: int,
    pool_size: int,
) -> BatchAccounts:
    """Accounts first..first+count-1 of the run's `total_accounts`."""
    number = first + np.arange(count, dtype=np.int64)
    profiles = _draw_profiles(cal, params, rng, number, total_accounts, n_reps, pool_size)
    deals = _draw_deals(params, rng, profiles["segment"], profiles["currency"])
    return BatchAccounts(number=number, **profiles, **deals)


def creation_time(cal: Calendar, params: P.Params, share: np.ndarray) -> np.ndarray:
    """Seconds at which the run has created `share` (0..1) of its accounts.

    Accounts created per day grow exponentially: account k is created when the
    cumulative count reaches its share k / total of the run's accounts (leads that
    never convert follow the same curve, `leads.py`).
    """
    growth_per_day = np.log1p(params.monthly_account_growth) / 30.44
    run_days = max(cal.month_day[cal.months] - 1, 1)
    return np.floor(
        np.log1p(share * np.expm1(growth_per_day * run_days)) / growth_per_day * DAY
    ).astype(np.int64)


def _draw_profiles(
    cal: Calendar,
    params: P.Params,
    rng: np.random.Generator,
    number: np.ndarray,
    total_accounts: int,
    n_reps: int,
    pool_size: int,
) -> dict[str, np.ndarray]:
    """Creation time, segment, channel, country, industry, owner, names."""
    count = len(number)
    created_s = creation_time(cal, params, (number + rng.random(count)) / total_accounts)
    segment = rng.choice(len(SEGMENTS), count, p=params.segment_mix)
    channel = rng.choice(len(P.CHANNELS), count, p=params.channel_mix)
    country = rng.choice(len(P.COUNTRIES), count, p=params.country_mix)
    industry = rng.integers(0, len(P.INDUSTRIES), count)
    rep = rng.integers(0, n_reps, count)
    company_name, first_name, last_name, domain = (
        rng.integers(0, pool_size, count) for _ in range(4)
    )
    is_duplicate = rng.random(count) < params.duplicate_account_rate
    return dict(
        created_s=np.minimum(created_s, cal.end_s - 6 * HOUR),
        is_duplicate=is_duplicate,
        segment=segment,
        channel=channel,
        country=country,
        currency=CURRENCY_OF_COUNTRY[country],
        industry=industry,
        rep=rep,
        company_name_idx=company_name,
        first_name_idx=first_name,
        last_name_idx=last_name,
        domain_idx=domain,
    )


def _draw_deals(
    params: P.Params, rng: np.random.Generator, segment: np.ndarray, currency: np.ndarray
) -> dict[str, np.ndarray]:
    """Plan, add-on, discount, first seats, prices, billing and payment habits."""
    book = price_book(params)
    plan = np.asarray(P.PLATFORM_PRODUCTS)[choice_by_segment(rng, segment, params.plan_mix)]
    addon_or_none = np.asarray(P.ADDON_PRODUCTS)[choice_by_segment(rng, segment, params.addon_mix)]
    has_addon = addon_or_none >= 0
    addon = np.where(has_addon, addon_or_none, 0)
    discount_pct = pick_by_segment(rng, segment, params.discount_choices)
    median_seats = by_segment(segment, params.seats_median)
    first_seats = np.maximum(
        1, np.round(rng.lognormal(np.log(median_seats), params.seats_sigma))
    ).astype(np.int64)
    preferred_method = choice_by_segment(rng, segment, params.method_mix)
    platform_list_c = book[currency, plan]
    addon_list_c = np.where(has_addon, book[currency, addon], 0)
    return dict(
        plan=plan,
        has_addon=has_addon,
        addon=addon,
        discount_pct=discount_pct,
        first_seats=first_seats,
        platform_list_c=platform_list_c,
        addon_list_c=addon_list_c,
        platform_unit_c=_discounted(platform_list_c, discount_pct),
        addon_unit_c=_discounted(addon_list_c, discount_pct),
        platform_interval=BILLING_INTERVAL_MONTHS[plan],
        addon_interval=np.where(has_addon, BILLING_INTERVAL_MONTHS[addon], 1),
        onboarding_units=by_segment(segment, params.onboarding_units),
        onboarding_price_c=book[currency, P.P_ONB],
        training_price_c=book[currency, P.P_TRN],
        usd_per_unit=np.asarray(params.fx_start)[currency],
        payment_terms_days=by_segment(segment, params.payment_terms_days),
        preferred_method=preferred_method,
    )


def emit_account_versions(
    rows: Rows,
    accounts: BatchAccounts,
    params: P.Params,
    rng: np.random.Generator,
    n_reps: int,
    pool_size: int,
) -> None:
    """Each account's first version; for some a later one with a new contact or owner;
    for duplicates a delete a few days after creation."""
    count = len(accounts)
    first_version = dict(
        g=accounts.number,
        name_i=accounts.company_name_idx,
        first_i=accounts.first_name_idx,
        last_i=accounts.last_name_idx,
        dom_i=accounts.domain_idx,
        industry=accounts.industry,
        segment=accounts.segment,
        country=accounts.country,
        rep=accounts.rep,
        channel=accounts.channel,
        created_s=accounts.created_s,
    )
    rows.add("accounts", **first_version, updated_s=accounts.created_s, is_deleted=False)
    changed = ~accounts.is_duplicate & (rng.random(count) < params.account_update_rate)
    changed_s = (
        accounts.created_s + random_days(rng, (30, 400), count) + rng.integers(0, HOUR, count)
    )
    contact = np.where(
        rng.random(count) < 0.5, rng.integers(0, pool_size, count), accounts.first_name_idx
    )
    owner = np.where(
        contact == accounts.first_name_idx, rng.integers(0, n_reps, count), accounts.rep
    )
    second_version = {**first_version, "first_i": contact, "rep": owner}
    rows.add(
        "accounts",
        **subset_rows(second_version, changed),
        updated_s=changed_s[changed],
        is_deleted=False,
    )
    deleted_s = accounts.created_s + random_days(rng, (1, 20), count)
    duplicate = accounts.is_duplicate
    rows.add(
        "accounts",
        **subset_rows(first_version, duplicate),
        updated_s=deleted_s[duplicate],
        is_deleted=True,
    )


def tally_accounts_created(tallies: Accumulators, cal: Calendar, accounts: BatchAccounts) -> None:
    created_month = cal.month_of(accounts.created_s)
    real = ~accounts.is_duplicate
    np.add.at(tallies.accounts_created, (created_month[real], accounts.channel[real]), 1)
