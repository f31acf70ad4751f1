"""How healthy each account of a batch is, month by month: what its usage and CSAT show.

The simulation decides churns, contractions and expansions (`simulate.py`) from
draws that must not move, so health is drawn afterwards, from the seats the
contracts gave each month, with a random stream of its own: a usual usage level
per account, slow noise, dips of healthy accounts now and then, and the signal
of what the contract does next. Before a churn or a contraction some accounts
warn (health falls over the months before), before an expansion some rise; the
others give no sign, so a churn-risk model reads these data well, not perfectly
(`Params`, "customer success"). `usage.py` and `csat.py` turn health into rows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import params as P
from .accounts import BatchAccounts


class Health(NamedTuple):
    """Per account (rows) and month (columns 0..months, the last the month after the run)."""

    level: np.ndarray  # (accounts,): usual active users / licensed seats
    shift: np.ndarray  # added to the level each month (negative: a dip or a warning)
    tenure: np.ndarray  # months under the current contract run, 1 in its first (0: none)


class Customers(NamedTuple):
    """What a batch's usage and CSAT responses are drawn from (`usage.py`, `csat.py`)."""

    accounts: BatchAccounts
    seats: np.ndarray  # (accounts, months + 1): seats under contract (`SimulatedBatch`)
    health: Health


def previous_month(by_month: np.ndarray) -> np.ndarray:
    """Each month's value of the month before (0 before the first)."""
    before = np.zeros_like(by_month)
    before[:, 1:] = by_month[:, :-1]
    return before


def _shifted_back(events: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Each event's value spread over the months before it: weights[k - 1] k months back."""
    out = np.zeros(events.shape)
    for k, weight in enumerate(weights, start=1):
        out[:, :-k] += weight * events[:, k:]
    return out


def _spread_forward(events: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Each event's value over its own month and the next: weights[k] k months on."""
    out = np.zeros(events.shape)
    for k, weight in enumerate(weights):
        out[:, k:] += weight * events[:, : events.shape[1] - k]
    return out


def _signalled(
    rng: np.random.Generator, at: np.ndarray, rate: float, depth: tuple[float, float]
) -> np.ndarray:
    """A depth for the events `at` that give a sign (a share `rate` of them), else 0."""
    shows = at & (rng.random(at.shape) < rate)
    return np.where(shows, rng.uniform(*depth, at.shape), 0.0)


def _noise(rng: np.random.Generator, params: P.Params, shape: tuple[int, int]) -> np.ndarray:
    """AR(1) noise per account: slow drifts rather than month-to-month jitter."""
    eps = rng.normal(0.0, params.health_noise_sigma, shape)
    out = np.empty(shape)
    out[:, 0] = eps[:, 0]
    for month in range(1, shape[1]):
        out[:, month] = params.health_noise_memory * out[:, month - 1] + eps[:, month]
    return out


def _tenure(seats: np.ndarray) -> np.ndarray:
    tenure = np.zeros(seats.shape, dtype=np.int64)
    run = np.zeros(len(seats), dtype=np.int64)
    for month in range(seats.shape[1]):
        run = np.where(seats[:, month] > 0, run + 1, 0)
        tenure[:, month] = run
    return tenure


def account_health(params: P.Params, seats: np.ndarray, rng: np.random.Generator) -> Health:
    """Health of the accounts whose seats by month are `seats` (`SimulatedBatch`)."""
    before = previous_month(seats)
    had = before > 0
    churn = _signalled(rng, had & (seats == 0), *_warning(params, "churn"))
    contraction = _signalled(
        rng, had & (seats > 0) & (seats < before), *_warning(params, "contraction")
    )
    expansion = _signalled(
        rng, had & (seats > before), params.expansion_lift_rate, params.expansion_lift
    )
    signal = _shifted_back(expansion - churn - contraction, params.warning_weights)
    dips = _signalled(
        rng,
        np.ones(seats.shape, dtype=bool),
        params.healthy_dip_monthly_rate,
        params.healthy_dip_depth,
    )
    shift = signal - _spread_forward(dips, (0.6, 1.0, 0.6)) + _noise(rng, params, seats.shape)
    level = rng.uniform(*params.usage_level, len(seats))
    return Health(level=level, shift=shift, tenure=_tenure(seats))


def _warning(params: P.Params, event: str) -> tuple[float, tuple[float, float]]:
    return getattr(params, f"{event}_warning_rate"), getattr(params, f"{event}_warning_depth")
