"""The CSAT survey responses of a batch: scores from 1 to 5, some with a comment.

Accounts under contract answer now and then (Poisson per month, more for larger
segments, `Params.csat_responses_monthly`). A score is the company's mean, plus
the account's own bias, plus its health that month (`health.py`) times a weight,
plus noise, rounded into 1..5: it falls before many churns and contractions and
rises before expansions, as usage does. Some responses carry a comment that
fits the score (`params.CSAT_COMMENTS`); a few of those give an e-mail address
or a phone number instead (personal data, the only kind besides the e-mails of
accounts and leads). A few responses are revised days later (a new version with
another score) or deleted (a test or a duplicate).

A response id is `CS<account number>-<nnnn>`, numbered in time order within
the account. Draws come from the batch's CSAT stream only.
"""

from __future__ import annotations

import numpy as np

from . import params as P
from .batch import DAY, Calendar, Rows, by_segment, number_within, office_time, random_days
from .health import Customers, Health


class CommentKind:
    """What a response's comment holds (the simulator's own codes, see `encode.py`)."""

    NONE = 0
    TEXT = 1  # feedback from params.CSAT_COMMENTS
    EMAIL = 2  # "please call me at first.last@domain"
    PHONE = 3  # "call me on +1 555 01nn-nnnn"


BAND_OF_SCORE = np.array([0, 0, 0, 1, 2, 2])  # comment band of scores 0..5
BAND_START = np.cumsum([0, *(len(band) for band in P.CSAT_COMMENTS)])[:-1]
BAND_SIZE = np.array([len(band) for band in P.CSAT_COMMENTS])


def _scores(
    params: P.Params,
    health: Health,
    account: np.ndarray,
    month: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Scores that follow the account's health that month, around its own bias (some
    customers always answer 3, some always 5), so health moves CSAT, noisily."""
    bias = rng.normal(0.0, params.csat_account_bias_sigma, len(health.level))
    latent = (
        params.csat_mean_score
        + bias[account]
        + params.csat_health_weight * health.shift[account, month]
        + rng.normal(0.0, params.csat_score_sigma, len(account))
    )
    return np.clip(np.round(latent), 1, 5).astype(np.int64)


def _comments(
    params: P.Params, score: np.ndarray, pool_size: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Comment kind and text index per response; name and phone parts for personal data."""
    count = len(score)
    commented = rng.random(count) < params.csat_comment_rate
    personal = commented & (rng.random(count) < params.csat_personal_data_rate)
    by_phone = rng.random(count) < 0.5
    kind = np.select(
        [personal & by_phone, personal, commented],
        [CommentKind.PHONE, CommentKind.EMAIL, CommentKind.TEXT],
        CommentKind.NONE,
    )
    band = BAND_OF_SCORE[score]
    text = BAND_START[band] + np.floor(rng.random(count) * BAND_SIZE[band]).astype(np.int64)
    first_i, last_i, dom_i = (rng.integers(0, pool_size, count) for _ in range(3))
    return dict(
        ckind=kind,
        ctext=text,
        first_i=first_i,
        last_i=last_i,
        dom_i=dom_i,
        phone=rng.integers(0, 1_000_000, count),
    )


def make_csat(
    rows: Rows,
    cal: Calendar,
    params: P.Params,
    customers: Customers,
    rng: np.random.Generator,
    pool_size: int,
) -> None:
    """Draw the batch's responses and add their versions to `rows`."""
    accounts, seats, health = customers
    rate = by_segment(accounts.segment, params.csat_responses_monthly)
    under_contract = seats[:, : cal.months] > 0
    per_month = rng.poisson(np.where(under_contract, rate[:, None], 0.0))
    answered_account, answered_month = np.nonzero(per_month)
    times = per_month[answered_account, answered_month]
    account, month = np.repeat(answered_account, times), np.repeat(answered_month, times)
    count = len(account)
    days = cal.month_day[month + 1] - cal.month_day[month]
    day = np.floor(rng.random(count) * days).astype(np.int64)
    responded_s = cal.month_s[month] + day * DAY + office_time(rng, count)
    score = _scores(params, health, account, month, rng)
    first = dict(
        g=accounts.number[account],
        cseq=number_within(accounts.number[account], responded_s),
        responded_s=responded_s,
        score=score,
        **_comments(params, score, pool_size, rng),
    )
    _emit_versions(rows, params, first, responded_s + rng.integers(60, 7200, count), rng)


def _emit_versions(
    rows: Rows, params: P.Params, first: dict, saved_s: np.ndarray, rng: np.random.Generator
) -> None:
    """The response; a revised score days later; or a delete days later."""
    count = len(saved_s)
    rows.add("csat_responses", **first, updated_s=saved_s, is_deleted=False)
    draw = rng.random(count)
    revised = draw < params.csat_revised_rate
    deleted = ~revised & (draw < params.csat_revised_rate + params.csat_deleted_rate)
    later_s = saved_s + random_days(rng, (1, 10), count) + rng.integers(0, 3600, count)
    step = np.where(first["score"] >= 3, -1, 1)
    for selected, score, is_deleted in (
        (revised, first["score"] + step, False),
        (deleted, first["score"], True),
    ):
        columns = {**first, "score": score}
        rows.add(
            "csat_responses",
            **{name: column[selected] for name, column in columns.items()},
            updated_s=later_s[selected],
            is_deleted=is_deleted,
        )
