"""The product usage of a batch: seats, active and new users per account, product and month.

One row per month under contract for the account's platform product and, with an
add-on, for the add-on. `licensed_seats` is the seats billed for the month (the
recurring lines' quantity, expansions included, `SimulatedBatch.seats_by_month`).
Active users are a binomial draw around the account's usage level plus its
health (`health.py`), lower in a contract's first months, at most
`Params.max_seat_overuse` above the seats; add-on users are a share of them.
New users are the month's growth plus a turnover of the users kept; all of them
in a contract's first month; never more than the active users. Now and then a
row with 0 seats the month after a churn (usage still reported) and a row
without new_users (not tracked).

A reference entity (no versions): the rows carry `updated_s` = the month's first
second only to pick their file. Draws come from the batch's usage stream only.
"""

from __future__ import annotations

import numpy as np

from . import params as P
from .batch import Calendar, Rows
from .encode import NULL
from .health import Customers, Health, previous_month

AFTER_CANCELLATION_USE = 0.05  # share of the last seats still active after a churn


def _active_users(
    params: P.Params, seats: np.ndarray, health: Health, rng: np.random.Generator
) -> np.ndarray:
    """Platform users active per account and month (0 without seats)."""
    ceiling = 1 + params.max_seat_overuse
    ramp = np.ones(seats.shape)
    for month_of_contract, share in enumerate(params.usage_ramp, start=1):
        ramp[health.tenure == month_of_contract] = share
    usage = np.clip(health.level[:, None] + health.shift, 0.02, ceiling) * ramp
    cap = seats + np.floor(seats * params.max_seat_overuse).astype(np.int64)
    p = np.where(cap > 0, usage * seats / np.maximum(cap, 1), 0.0)
    return rng.binomial(cap, np.clip(p, 0.0, 1.0))


def _new_users(
    params: P.Params, active: np.ndarray, first_month: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Growth over last month plus a turnover of the users kept (so never more than the
    active users); all of them in a contract's first month."""
    before = previous_month(active)
    kept = np.minimum(active, before)
    new = active - kept + rng.binomial(kept, params.monthly_user_turnover)
    return np.where(first_month, active, new)


def make_usage(
    rows: Rows, cal: Calendar, params: P.Params, customers: Customers, rng: np.random.Generator
) -> None:
    """Draw the batch's usage rows and add them to `rows`."""
    accounts, seats, health = customers
    active = _active_users(params, seats, health, rng)
    first_month = health.tenure == 1
    new = _new_users(params, active, first_month, rng)
    adoption = rng.uniform(*params.addon_adoption, len(seats))
    addon_active = rng.binomial(active, adoption[:, None])
    addon_new = _new_users(params, addon_active, first_month, rng)
    in_run = np.zeros(seats.shape, dtype=bool)
    in_run[:, : cal.months] = True
    licensed = (seats > 0) & in_run
    with_addon = licensed & accounts.has_addon[:, None]
    after = _after_cancellation(params, seats, in_run, rng)
    after_active = rng.binomial(previous_month(seats), AFTER_CANCELLATION_USE)
    for product, where, users, new_users in (
        (accounts.plan, licensed, active, new),
        (accounts.addon, with_addon, addon_active, addon_new),
        (accounts.plan, after, after_active, np.zeros(seats.shape, dtype=np.int64)),
    ):
        account, month = np.nonzero(where)
        unknown = rng.random(len(account)) < params.new_users_unknown_rate
        rows.add(
            "product_usage",
            g=accounts.number[account],
            product=product[account],
            month_d=cal.month_day[month],
            seats=seats[account, month],
            active=users[account, month],
            new=np.where(unknown, NULL, new_users[account, month]),
            updated_s=cal.month_s[month],
        )


def _after_cancellation(
    params: P.Params, seats: np.ndarray, in_run: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The first month without seats after a contract, for a few churned accounts."""
    churned = (previous_month(seats) > 0) & (seats == 0) & in_run
    return churned & (rng.random(seats.shape) < params.usage_after_cancellation_rate)
