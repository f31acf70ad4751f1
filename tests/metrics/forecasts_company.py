"""Forecast submissions of the hand-computed company (metrics_company.py), worked out by hand.

`LANDING` holds the rows written into the landing folder beside the company's
other entities; the expected forecast numbers of the marts (the reps' commit and
its accuracy, the pipeline forecast and its accuracy) live here too, with the
arithmetic in comments. Nothing here was read back from the SQL.

Definitions (docs/metrics.md, Forecasts):
- forecast of record of a rep for M: the submission for M with the greatest
  submitted_at whose UTC date is on or before the first day of M;
- forecast commit(M) = Σ commit of the forecasts of record, null when none;
- forecast accuracy = 1 - |B - C| / B, B and C summed over the reps with a forecast
  of record (per rep: its own), null when B = 0 or there is no forecast;
- pipeline forecast(M) = Σ_s p(s) x open(M, s) + r over the window W(M) = the spine
  months M-12..M-1; its accuracy 1 - |bookings - forecast| / bookings.

The company's quotes as the pipeline forecast sees them (metrics_company.py; value =
quote_value_usd, UTC dates):
  Q1 R1 created 01-03 sent 01-03 accepted 01-12  1200
  Q2 R1 created 01-05 sent 01-06 accepted 01-20   330  (300 EUR x 1.10)
  Q4 R2 created 01-10 sent 01-11 accepted 01-25  1300
  Q5 R2 created 01-20 sent 01-21 accepted 02-05  1500  (1200 GBP x 1.25)
  Q10 R1 created 02-01 sent 02-02 accepted 02-11  550
  Q6 R2 created 03-01 sent 03-02 rejected 03-20  3240
  Q7 R2 created 03-05 sent 03-06 expired 05-05    600
  Q3 R1 created 04-01 sent 04-02 accepted 04-10   360  (300 EUR x 1.20)
  Q8 R1 created 05-10 sent 05-12 open            1752
  Q9 R1 created 06-05 never sent, open            600
  Q11   created 07-05 (after the as-of date)
Bookings: Jan 2830 (R1 1530, R2 1300), Feb 2050 (R1 550, R2 1500), Mar 0, Apr 360
(R1), May 0, Jun 0.
"""

from __future__ import annotations

from fractions import Fraction as F

JAN, FEB, MAR, APR, MAY, JUN = (
    "2025-01-01",
    "2025-02-01",
    "2025-03-01",
    "2025-04-01",
    "2025-05-01",
    "2025-06-01",
)
JUL = "2025-07-01"


def _submission(
    rep: str, month: str, submitted_at: str, commit: str, best_case: str | None = None
) -> dict[str, object]:
    return dict(
        owner_rep_id=rep,
        forecast_month=month,
        submitted_at=submitted_at,
        commit_amount_usd=commit,
        best_case_amount_usd=best_case,
    )


LANDING: dict[str, list[dict[str, object]]] = {
    "forecast_submissions": [
        # R1, January: three submissions.
        #   2024-12-20 10:00Z: on time, superseded by the next one.
        _submission("R1", JAN, "2024-12-20T10:00:00Z", "1000", "1400"),
        #   2024-12-31 23:30 -02:00 = 2025-01-01 01:30Z: UTC date Jan 1, the first day of
        #   the month -> on time; the latest on-time one -> of record, commit 1500.
        _submission("R1", JAN, "2024-12-31T23:30:00-02:00", "1500", "1800"),
        #   2025-01-01 22:00 -05:00 = 2025-01-02 03:00Z: the local date is Jan 1 but the
        #   UTC date is Jan 2 -> after the month started: kept, not of record.
        _submission("R1", JAN, "2025-01-01T22:00:00-05:00", "1600", "1900"),
        # R1, February: one on-time submission -> of record, commit 400.
        _submission("R1", FEB, "2025-01-28T09:00:00Z", "400", "700"),
        # R1, April: on time, no best case -> of record, commit 300.
        _submission("R1", APR, "2025-03-30T09:00:00Z", "300"),
        # R1, June: only a submission after the month started -> no forecast of record.
        _submission("R1", JUN, "2025-06-02T09:00:00Z", "500"),
        # R1, July: of record for July, a month after the as-of month: no row anywhere.
        _submission("R1", JUL, "2025-06-28T09:00:00Z", "700"),
        # R2, January: on time -> of record, commit 1200.
        _submission("R2", JAN, "2024-12-28T09:00:00Z", "1200", "1500"),
        # R2, February: only after the month started -> no forecast of record.
        _submission("R2", FEB, "2025-02-03T09:00:00Z", "2000"),
        # R2, March: on time -> of record, commit 500 (R2 books nothing in March).
        _submission("R2", MAR, "2025-02-25T09:00:00Z", "500", "900"),
        # R2, April: on time (03-31 23:59:59Z) -> of record, commit 0 (books nothing).
        _submission("R2", APR, "2025-03-31T23:59:59Z", "0", "100"),
    ]
}

# fct_forecast_submissions: (rep, forecast_month, submitted_at UTC) ->
#   (submission_number, is_submitted_by_month_start, is_forecast_of_record)
EXPECTED_SUBMISSIONS: dict[tuple[str, str, str], tuple[int, bool, bool]] = {
    ("R1", JAN, "2024-12-20 10:00:00"): (1, True, False),
    ("R1", JAN, "2025-01-01 01:30:00"): (2, True, True),
    ("R1", JAN, "2025-01-02 03:00:00"): (3, False, False),
    ("R1", FEB, "2025-01-28 09:00:00"): (1, True, True),
    ("R1", APR, "2025-03-30 09:00:00"): (1, True, True),
    ("R1", JUN, "2025-06-02 09:00:00"): (1, False, False),
    ("R1", JUL, "2025-06-28 09:00:00"): (1, True, True),
    ("R2", JAN, "2024-12-28 09:00:00"): (1, True, True),
    ("R2", FEB, "2025-02-03 09:00:00"): (1, False, False),
    ("R2", MAR, "2025-02-25 09:00:00"): (1, True, True),
    ("R2", APR, "2025-03-31 23:59:59"): (1, True, True),
}

# ---------------------------------------------------------------------------------------
# Forecast commit and accuracy.
#
# Forecasts of record: Jan R1 1500, R2 1200; Feb R1 400 (R2's is late); Mar R2 500;
# Apr R1 300, R2 0; May none; Jun none (R1's is late).
#
# Per rep, accuracy = 1 - |bookings - commit| / bookings:
#   R1 Jan: 1 - |1530 - 1500| / 1530 = 1500 / 1530 = 50/51
#   R1 Feb: 1 - |550 - 400| / 550 = 400 / 550 = 8/11
#   R1 Apr: 1 - |360 - 300| / 360 = 300 / 360 = 5/6
#   R2 Jan: 1 - |1300 - 1200| / 1300 = 1200 / 1300 = 12/13
#   R2 Mar: bookings 0 -> null;  R2 Apr: bookings 0 -> null (commit 0)
# sales_rep_monthly: (rep, month) -> (forecast_commit, forecast_accuracy)
EXPECTED_REPS: dict[tuple[str, str], tuple[F | None, F | None]] = {
    ("R1", JAN): (F(1500), F(50, 51)),
    ("R1", FEB): (F(400), F(8, 11)),
    ("R1", MAR): (None, None),
    ("R1", APR): (F(300), F(5, 6)),
    ("R1", MAY): (None, None),
    ("R1", JUN): (None, None),  # only a late submission
    ("R2", JAN): (F(1200), F(12, 13)),
    ("R2", FEB): (None, None),  # only a late submission (R2 books 1500 in February)
    ("R2", MAR): (F(500), None),  # bookings 0
    ("R2", APR): (F(0), None),  # bookings 0
    ("R2", MAY): (None, None),
    ("R2", JUN): (None, None),
}

# Team, over the reps with a forecast of record (B = their bookings, C = their commit):
#   Jan: C = 1500 + 1200 = 2700, B = 1530 + 1300 = 2830 -> 1 - 130/2830 = 270/283
#   Feb: C = 400 (R1 only), B = 550 (R2's 1500 has no forecast) -> 1 - 150/550 = 8/11
#   Mar: C = 500, B = 0 -> null
#   Apr: C = 300 + 0 = 300, B = 360 + 0 = 360 -> 1 - 60/360 = 5/6
#   May, Jun: no forecast of record -> both null
FORECAST_COMMIT: dict[str, F | None] = {
    JAN: F(2700),
    FEB: F(400),
    MAR: F(500),
    APR: F(300),
    MAY: None,
    JUN: None,
}
FORECAST_ACCURACY: dict[str, F | None] = {
    JAN: F(270, 283),
    FEB: F(8, 11),
    MAR: None,
    APR: F(5, 6),
    MAY: None,
    JUN: None,
}

# The quotes of the docstring as the pipeline forecast reads them (for the test that
# checks the literals below against the definition): id -> (created, sent, decided,
# status, value in USD).
QUOTES: dict[str, tuple[str, str | None, str | None, str, F]] = {
    "Q1": ("2025-01-03", "2025-01-03", "2025-01-12", "accepted", F(1200)),
    "Q2": ("2025-01-05", "2025-01-06", "2025-01-20", "accepted", F(330)),
    "Q4": ("2025-01-10", "2025-01-11", "2025-01-25", "accepted", F(1300)),
    "Q5": ("2025-01-20", "2025-01-21", "2025-02-05", "accepted", F(1500)),
    "Q10": ("2025-02-01", "2025-02-02", "2025-02-11", "accepted", F(550)),
    "Q6": ("2025-03-01", "2025-03-02", "2025-03-20", "rejected", F(3240)),
    "Q7": ("2025-03-05", "2025-03-06", "2025-05-05", "expired", F(600)),
    "Q3": ("2025-04-01", "2025-04-02", "2025-04-10", "accepted", F(360)),
    "Q8": ("2025-05-10", "2025-05-12", None, "sent", F(1752)),
    "Q9": ("2025-06-05", None, None, "draft", F(600)),
    "Q11": ("2025-07-05", None, None, "draft", F(1200)),
}

# ---------------------------------------------------------------------------------------
# Pipeline forecast.
#
# open(k, s): quotes open at month_end(k-1) (created on or before it, undecided or
# decided after it), stage sent when sent on or before it:
#   k = Jan (12-31): none
#   k = Feb (01-31): Q5 (created 01-20, sent 01-21, decided 02-05) -> sent 1500
#   k = Mar (02-28): none (Q5 and Q10 decided in February)
#   k = Apr (03-31): Q7 (created 03-05, sent 03-06, decided 05-05) -> sent 600
#                    (Q6 was decided 03-20; Q3 is created 04-01)
#   k = May (04-30): Q7 -> sent 600
#   k = Jun (05-31): Q8 (created 05-10, sent 05-12, open) -> sent 1752
# No draft is open at any of these dates (Q9 is created 06-05): open(k, draft) = 0, so
# p(draft) = 0 (denominator 0) in every window.
# won(k, sent): Feb Q5 accepted 02-05 -> 1500; Apr, May: Q7 expired -> 0; Jun: 0.
# Created and accepted in k (TCV): Jan Q1 + Q2 + Q4 = 1200 + 330 + 1300 = 2830;
#   Feb Q10 550 (Q5 was created in January); Mar 0; Apr Q3 360; May 0.
#
#   Jan: W empty -> null
#   Feb: W = {Jan}: p(sent) = 0/0 -> 0; r = 2830 / 1
#        -> 0 x 1500 + 2830 = 2830
#   Mar: W = {Jan, Feb}: p(sent) = (0 + 1500) / (0 + 1500) = 1; r = (2830 + 550) / 2 = 1690
#        -> 1 x 0 + 1690 = 1690
#   Apr: W = {Jan, Feb, Mar}: p(sent) = 1500 / 1500 = 1; r = 3380 / 3
#        -> 1 x 600 + 3380/3 = 5180/3 = 1726.67
#   May: W = {Jan..Apr}: p(sent) = 1500 / (1500 + 600) = 5/7; r = 3740 / 4 = 935
#        -> 5/7 x 600 + 935 = 9545/7 = 1363.57
#   Jun: W = {Jan..May}: p(sent) = 1500 / (1500 + 600 + 600) = 5/9; r = 3740 / 5 = 748
#        -> 5/9 x 1752 + 748 = 15492/9 = 5164/3 = 1721.33
PIPELINE_FORECAST: dict[str, F | None] = {
    JAN: None,
    FEB: F(2830),
    MAR: F(1690),
    APR: 600 + F(3380, 3),
    MAY: F(5, 7) * 600 + 935,
    JUN: F(5, 9) * 1752 + 748,
}
# accuracy = 1 - |bookings - forecast| / bookings, null when bookings are 0:
#   Feb: 1 - |2050 - 2830| / 2050 = 1 - 780/2050 = 127/205 = 0.6195
#   Apr: 1 - |360 - 5180/3| / 360 = 1 - (4100/3) / 360 = 1 - 4100/1080 = -151/54 (negative:
#        the forecast is almost five times the bookings)
#   Jan: forecast null; Mar, May, Jun: bookings 0 -> null
PIPELINE_FORECAST_ACCURACY: dict[str, F | None] = {
    JAN: None,
    FEB: F(127, 205),
    MAR: None,
    APR: F(-151, 54),
    MAY: None,
    JUN: None,
}

# metrics_monthly: month -> column -> expected
EXPECTED_METRICS: dict[str, dict[str, F | None]] = {
    month: {
        "forecast_commit": FORECAST_COMMIT[month],
        "forecast_accuracy": FORECAST_ACCURACY[month],
        "pipeline_forecast": PIPELINE_FORECAST[month],
        "pipeline_forecast_accuracy": PIPELINE_FORECAST_ACCURACY[month],
    }
    for month in (JAN, FEB, MAR, APR, MAY, JUN)
}
