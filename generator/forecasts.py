"""The reps' forecast submissions, made after the simulation from its bookings.

Each rep forecasts each month after the first, `Params.forecast_lead_days`
before it: a commit of the rep's bookings of that month as the simulation
tallied them (accepted quotes' TCV in USD, by the quotes' owner), times the
rep's bias, times lognormal noise, and a best case above it. Reps sandbag, are
calibrated or are optimistic (`forecast_rep_mix`), each with a bias drawn from
the range of their kind. Some submit again before the month starts (up to its
first day: that one is the forecast of record), some revise after it has
started, closer to the truth (a later row that is not the forecast of record;
docs/metrics.md, "Forecasts").

A reference entity: no versions, the key is (owner_rep_id, forecast_month,
submitted_at). The bookings are known only once every batch has run, so the
forecasts are drawn at the end, from their own random stream.
"""

from __future__ import annotations

import numpy as np

from . import params as P
from .batch import DAY, HOUR, Calendar, office_time, random_days


def rep_biases(params: P.Params, n_reps: int, rng: np.random.Generator) -> np.ndarray:
    """Each rep's bias: commit / bookings before the noise."""
    kind = np.searchsorted(np.cumsum(params.forecast_rep_mix), rng.random(n_reps), side="right")
    kind = np.minimum(kind, len(params.forecast_rep_mix) - 1)
    low, high = np.asarray(params.forecast_bias).T
    return rng.uniform(low[kind], high[kind])


def make_forecasts(
    cal: Calendar, params: P.Params, bookings_usd: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Numeric forecast rows (`encode.py`), in submission order; `updated_s` is the
    submission time (it picks the file)."""
    n_reps, months = bookings_usd.shape
    bias = rep_biases(params, n_reps, rng)
    rep, month = (a.ravel() for a in np.meshgrid(np.arange(n_reps), np.arange(1, months)))
    count = len(rep)
    truth = bookings_usd[rep, month]
    month_s = cal.month_s[month]
    sigma = params.forecast_noise_sigma
    first_s = month_s - random_days(rng, params.forecast_lead_days, count) + office_time(rng, count)
    first_usd = truth * bias[rep] * rng.lognormal(0.0, sigma, count)
    # a second submission up to the end of the month's first (UTC) day: the one of record
    again = rng.random(count) < params.forecast_resubmit_rate
    again_s = first_s + rng.integers(HOUR, month_s + DAY - first_s)
    again_usd = truth * bias[rep] * rng.lognormal(0.0, sigma, count)
    # a revision once the month has started, nearer the truth: never the one of record
    late = rng.random(count) < params.forecast_late_revision_rate
    late_s = (
        month_s
        + random_days(rng, params.forecast_late_revision_days, count)
        + office_time(rng, count)
    )
    late_usd = truth * (1 + (bias[rep] - 1) / 2) * rng.lognormal(0.0, sigma / 2, count)
    submitted_s = np.concatenate([first_s, again_s[again], late_s[late]])
    commit_usd = np.concatenate([first_usd, again_usd[again], late_usd[late]])
    best_usd = commit_usd * rng.uniform(*params.forecast_best_case_factor, len(commit_usd))
    rows = np.concatenate([np.arange(count), np.flatnonzero(again), np.flatnonzero(late)])
    order = np.argsort(submitted_s, kind="stable")
    return {
        "rep": rep[rows][order],
        "month_d": cal.month_day[month[rows]][order],
        "submitted_s": submitted_s[order],
        "commit_c": np.round(commit_usd * 100).astype(np.int64)[order],
        "best_c": np.round(best_usd * 100).astype(np.int64)[order],
        "updated_s": submitted_s[order],
    }
