"""Leads and activities of the hand-computed company (metrics_company.py), worked out by hand.

`LANDING` holds the rows written into the landing folder beside the company's
other entities; the expected numbers for the lead and activity columns of the
marts live here too, with the arithmetic in comments. Definitions:
docs/metrics.md (Leads and activities); nothing here was read back from the SQL.

What the rest of the company gives (metrics_company.py):
  MRR > 0: A1 Jan-Apr and Jun; A2 Jan-Jun; A3 Feb-Jun; A4 Jan-Feb; A5 never (a prospect).
  Quotes accepted (decided_at): Jan Q1, Q2, Q4; Feb Q5, Q10; Apr Q3. Q6 rejected (Mar),
  Q7 expired (May), Q8 open (sent), Q9 a draft, Q11 created after the as-of date.
  Spine: January to June 2025 (as-of 2025-06-30); leads and activities never move it.

Leads (created in UTC, channel, status; qualified = qualified_at set or converted):
  L1  01-02T20:00-08:00 = 01-03 UTC  inbound     converted 01-10 into A1 (pays)  7 days
  L2  01-03                          partner     converted 03-05 into A2 (pays)  61 days
        (no qualified_at: converted counts as qualified; converted two months later)
  L3  01-15                          inbound     converted 02-28T22:00-05:00 = 03-01 UTC
        into A5, which never pays: converted, not a paying conversion; 45 days
  L4  01-20                          outbound    qualified 01-25, then stalled
  L5  01-25                          (no channel = unknown)  disqualified, never qualified
  L6  01-28                          inbound     new, no owner
  L7  02-28T23:30-02:00 = 03-01 UTC  paid_search working: a March lead in UTC
  L8  03-10                          outbound    converted 04-02 into A3 (pays)  23 days
  L9  05-05                          partner     converted 05-20 into A4: A4's MRR was
        > 0 in Jan and Feb, before the lead; "MRR > 0 in some month up to the as-of
        month" holds, so it is a paying conversion; 15 days
  L10 06-10                          inbound     working, qualified_at 06-20: qualified
  L11 07-02 (after the as-of date)   events      new: in no cohort, but its channel is a
        channel of the funnel grid (zeros every month)
  L12 04-10                          webinar     deleted: not in staging, no channel
  L13 02-03                          referral    converted 02-10 into A9, an account that
        never landed: flagged orphan_reference, out of every count
  L14 06-12                          outbound    disqualified after qualified_at 06-14:
        qualified (qualified_at is set)

Activities (occurred in UTC, rep, its quote):
  ACT1  01-04 R1 Q1   ACT2 01-08 R1 Q1   ACT3 01-16 R1 Q2   ACT4 01-20 R2 Q4
  ACT5  01-22 R2 Q5 (accepted in February: counts for February's won deals)
  ACT6  02-05 R1 no quote                ACT7 03-05 R2 Q6 (rejected)
  ACT8  03-31T22:30-03:00 = 04-01 UTC R2 Q7 (expired): an April activity
  ACT9  05-15 R1 Q8 (open)               ACT10 04-05 R1 no quote
  ACT11 03-31T22:00-05:00 = 04-01 UTC R1 no quote: an April activity
  ACT12 02-10 R2 lead L4, no account, no quote
  ACT13 06-15 R1 lead L13: excluded with its flagged lead
  ACT14 06-20 R2 account A9: flagged orphan_reference
  ACT15 07-02 R1 Q9: after the as-of month
  ACT16 05-20 R1 Q1: deleted
"""

from __future__ import annotations

from fractions import Fraction as F

from tests.metrics.metrics_company import APR, FEB, JAN, JUN, MAR, MAY, MONTHS


def _lead(
    lead_id: str,
    created_at: str,
    source_channel: str | None,
    owner_rep_id: str | None,
    status: str,
    qualified_at: str | None = None,
    converted_at: str | None = None,
    converted_account_id: str | None = None,
    is_deleted: str | None = None,
) -> dict[str, object]:
    return dict(
        lead_id=lead_id,
        created_at=created_at,
        source_channel=source_channel,
        owner_rep_id=owner_rep_id,
        status=status,
        qualified_at=qualified_at,
        converted_at=converted_at,
        converted_account_id=converted_account_id,
        email=f"{lead_id.lower()}@prospect.test",
        is_deleted=is_deleted,
    )


def _activity(
    activity_id: str,
    owner_rep_id: str,
    activity_type: str,
    occurred_at: str,
    account_id: str | None = None,
    lead_id: str | None = None,
    quote_id: str | None = None,
    is_deleted: str | None = None,
) -> dict[str, object]:
    return dict(
        activity_id=activity_id,
        owner_rep_id=owner_rep_id,
        activity_type=activity_type,
        occurred_at=occurred_at,
        account_id=account_id,
        lead_id=lead_id,
        quote_id=quote_id,
        is_deleted=is_deleted,
    )


T = "T10:00:00Z"

# fmt: off
LANDING: dict[str, list[dict[str, object]]] = {
    "leads": [
        _lead("L1", "2025-01-02T20:00:00-08:00", "inbound", "R1", "converted",
              qualified_at="2025-01-05" + T, converted_at="2025-01-10" + T,
              converted_account_id="A1"),
        _lead("L2", "2025-01-03" + T, "partner", "R1", "converted",
              converted_at="2025-03-05" + T, converted_account_id="A2"),
        _lead("L3", "2025-01-15" + T, "inbound", "R2", "converted",
              qualified_at="2025-01-20" + T, converted_at="2025-02-28T22:00:00-05:00",
              converted_account_id="A5"),
        _lead("L4", "2025-01-20" + T, "outbound", "R2", "qualified",
              qualified_at="2025-01-25" + T),
        _lead("L5", "2025-01-25" + T, None, "R1", "disqualified"),
        _lead("L6", "2025-01-28" + T, "inbound", None, "new"),
        _lead("L7", "2025-02-28T23:30:00-02:00", "paid_search", "R2", "working"),
        _lead("L8", "2025-03-10" + T, "outbound", "R2", "converted",
              qualified_at="2025-03-15" + T, converted_at="2025-04-02" + T,
              converted_account_id="A3"),
        _lead("L9", "2025-05-05" + T, "partner", "R1", "converted",
              qualified_at="2025-05-10" + T, converted_at="2025-05-20" + T,
              converted_account_id="A4"),
        _lead("L10", "2025-06-10" + T, "inbound", "R1", "working",
              qualified_at="2025-06-20" + T),
        _lead("L11", "2025-07-02" + T, "events", "R2", "new"),
        _lead("L12", "2025-04-10" + T, "webinar", "R1", "new", is_deleted="true"),
        _lead("L13", "2025-02-03" + T, "referral", "R2", "converted",
              converted_at="2025-02-10" + T, converted_account_id="A9"),
        _lead("L14", "2025-06-12" + T, "outbound", "R2", "disqualified",
              qualified_at="2025-06-14" + T),
    ],
    "activities": [
        _activity("ACT1", "R1", "call", "2025-01-04" + T, "A1", "L1", "Q1"),
        _activity("ACT2", "R1", "demo", "2025-01-08" + T, "A1", None, "Q1"),
        _activity("ACT3", "R1", "email", "2025-01-16" + T, "A2", "L2", "Q2"),
        _activity("ACT4", "R2", "meeting", "2025-01-20" + T, "A4", None, "Q4"),
        _activity("ACT5", "R2", "call", "2025-01-22" + T, "A3", None, "Q5"),
        _activity("ACT6", "R1", "meeting", "2025-02-05" + T, "A1"),
        _activity("ACT7", "R2", "demo", "2025-03-05" + T, "A5", None, "Q6"),
        _activity("ACT8", "R2", "call", "2025-03-31T22:30:00-03:00", "A5", None, "Q7"),
        _activity("ACT9", "R1", "email", "2025-05-15" + T, "A5", None, "Q8"),
        _activity("ACT10", "R1", "call", "2025-04-05" + T, "A2"),
        _activity("ACT11", "R1", "email", "2025-03-31T22:00:00-05:00", "A2"),
        _activity("ACT12", "R2", "call", "2025-02-10" + T, None, "L4"),
        _activity("ACT13", "R1", "email", "2025-06-15" + T, None, "L13"),
        _activity("ACT14", "R2", "call", "2025-06-20" + T, "A9"),
        _activity("ACT15", "R1", "demo", "2025-07-02" + T, "A1", None, "Q9"),
        _activity("ACT16", "R1", "call", "2025-05-20" + T, "A1", None, "Q1",
                  is_deleted="true"),
    ],
}
# fmt: on

# audit.flagged and int_records_excluded: (entity, key) -> reason / excluded_by
FLAGGED = {
    ("leads", "L13"): "orphan_reference",  # converted_account_id A9 is not in accounts
    ("activities", "ACT14"): "orphan_reference",  # account_id A9 is not in accounts
}
EXCLUDED_BY_PARENT = {("activities", "ACT13"): "leads L13"}

# fct_leads: L1..L10, L11, L14 (L12 deleted, L13 flagged)
# lead -> (is_qualified, is_converted, days_to_convert)
FCT_LEADS = {
    "L1": (True, True, 7),  # 01-03 -> 01-10 (UTC dates)
    "L2": (True, True, 61),  # 01-03 -> 03-05: 31 (to 02-03) + 28 (to 03-03) + 2
    "L3": (True, True, 45),  # 01-15 -> 03-01 UTC: 31 (to 02-15) + 14
    "L4": (True, False, None),
    "L5": (False, False, None),
    "L6": (False, False, None),
    "L7": (False, False, None),
    "L8": (True, True, 23),  # 03-10 -> 04-02: 21 (to 03-31) + 2
    "L9": (True, True, 15),  # 05-05 -> 05-20
    "L10": (True, False, None),  # working, but qualified_at is set
    "L11": (False, False, None),
    "L14": (True, False, None),  # disqualified after being qualified
}
# fct_activities: ACT1..ACT12, ACT15 (ACT13 excluded through L13, ACT14 flagged,
# ACT16 deleted)
FCT_ACTIVITIES = {f"ACT{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15)}

# ---------------------------------------------------------------------------------------
# Cohorts by UTC month of created_at and channel: (created, qualified, paying conversions)
#   Jan inbound  L1 (q, pays), L3 (q, A5 never pays), L6      -> 3, 2, 1
#   Jan partner  L2 (converted = qualified, A2 pays)          -> 1, 1, 1
#   Jan outbound L4 (qualified, stalled)                      -> 1, 1, 0
#   Jan unknown  L5 (disqualified, no qualified_at)           -> 1, 0, 0
#   Feb          L13 is flagged, L7 is March in UTC           -> nothing
#   Mar paid_search L7 (working)                              -> 1, 0, 0
#   Mar outbound L8 (converted into A3, pays)                 -> 1, 1, 1
#   Apr          L12 is deleted                               -> nothing
#   May partner  L9 (converted into A4, MRR > 0 in Jan-Feb)   -> 1, 1, 1
#   Jun inbound  L10 (qualified_at set)                       -> 1, 1, 0
#   Jun outbound L14 (disqualified after qualified_at)        -> 1, 1, 0
#   L11 (events) is created in July, after the as-of month: in no cohort.
# Rates: qualification = qualified / created, conversion = paying / created; null at 0.
# ---------------------------------------------------------------------------------------
CHANNELS = ("inbound", "partner", "outbound", "unknown", "paid_search", "events")
COHORTS: dict[tuple[str, str], tuple[int, int, int]] = {
    (JAN, "inbound"): (3, 2, 1),
    (JAN, "partner"): (1, 1, 1),
    (JAN, "outbound"): (1, 1, 0),
    (JAN, "unknown"): (1, 0, 0),
    (MAR, "paid_search"): (1, 0, 0),
    (MAR, "outbound"): (1, 1, 1),
    (MAY, "partner"): (1, 1, 1),
    (JUN, "inbound"): (1, 1, 0),
    (JUN, "outbound"): (1, 1, 0),
}


def _rate(num: int, den: int) -> F | None:
    return None if den == 0 else F(num, den)


# lead_funnel_monthly: (month, channel) -> (created, qualified, paying, qual. rate, conv. rate)
# every channel every month; empty cells 0 with null rates
EXPECTED_FUNNEL: dict[tuple[str, str], tuple[object, ...]] = {}
for _month in MONTHS:
    for _channel in CHANNELS:
        _c, _q, _p = COHORTS.get((_month, _channel), (0, 0, 0))
        EXPECTED_FUNNEL[(_month, _channel)] = (
            F(_c),
            F(_q),
            F(_p),
            _rate(_q, _c),
            _rate(_p, _c),
        )
# spelled out for the cells with leads:
assert EXPECTED_FUNNEL[(JAN, "inbound")] == (3, 2, 1, F(2, 3), F(1, 3))
assert EXPECTED_FUNNEL[(JAN, "unknown")] == (1, 0, 0, F(0), F(0))
assert EXPECTED_FUNNEL[(MAR, "outbound")] == (1, 1, 1, F(1), F(1))
assert EXPECTED_FUNNEL[(JUN, "inbound")] == (1, 1, 0, F(1), F(0))
assert EXPECTED_FUNNEL[(FEB, "events")] == (0, 0, 0, None, None)

# ---------------------------------------------------------------------------------------
# metrics_monthly, the lead and activity columns, per month.
# Leads created / qualified / paying: the cohorts summed over the channels.
#   Jan 3+1+1+1 = 6 created; 2+1+1+0 = 4 qualified; 1+1 = 2 paying
#   Feb 0; Mar 1+1 = 2, 0+1 = 1, 0+1 = 1; Apr 0; May 1, 1, 1; Jun 2, 2, 0
# Lead conversion days, over converted leads with converted_at (UTC) in the month:
#   Jan L1 7; Feb none (L13 flagged); Mar L2 61 and L3 45 -> (61 + 45) / 2 = 53;
#   Apr L8 23; May L9 15; Jun none
# Activities per won deal = activities whose quote was accepted in M / quotes accepted in M
#   Jan Q1 (ACT1, ACT2), Q2 (ACT3), Q4 (ACT4): 4 / 3
#   Feb Q5 (ACT5, occurred in January), Q10 (none): 1 / 2
#   Mar no quote accepted: null; Apr Q3 without activities: 0 / 1 = 0; May, Jun: null
#   (ACT7 on the rejected Q6, ACT8 on the expired Q7, ACT9 on the open Q8, ACT15 on the
#   draft Q9 and the deleted ACT16 count nowhere)
# ---------------------------------------------------------------------------------------
LEAD_COLUMNS = [
    "leads_created",
    "leads_qualified",
    "leads_converted_paying",
    "lead_qualification_rate",
    "lead_conversion_rate",
    "leads_converted",
    "avg_lead_conversion_days",
    "activities_on_won_deals",
    "activities_per_won_deal",
]
EXPECTED_LEAD_METRICS: dict[str, dict[str, F | None]] = {
    JAN: {
        "leads_created": F(6),
        "leads_qualified": F(4),
        "leads_converted_paying": F(2),
        "lead_qualification_rate": F(4, 6),
        "lead_conversion_rate": F(2, 6),
        "leads_converted": F(1),  # L1
        "avg_lead_conversion_days": F(7),
        "activities_on_won_deals": F(4),
        "activities_per_won_deal": F(4, 3),
    },
    FEB: {
        "leads_created": F(0),  # leads have landed: 0, not null
        "leads_qualified": F(0),
        "leads_converted_paying": F(0),
        "lead_qualification_rate": None,  # 0 / 0
        "lead_conversion_rate": None,
        "leads_converted": F(0),
        "avg_lead_conversion_days": None,  # no conversion in February
        "activities_on_won_deals": F(1),
        "activities_per_won_deal": F(1, 2),
    },
    MAR: {
        "leads_created": F(2),
        "leads_qualified": F(1),
        "leads_converted_paying": F(1),
        "lead_qualification_rate": F(1, 2),
        "lead_conversion_rate": F(1, 2),
        "leads_converted": F(2),  # L2, L3
        "avg_lead_conversion_days": F(61 + 45, 2),  # 53
        "activities_on_won_deals": F(0),
        "activities_per_won_deal": None,  # no quote accepted
    },
    APR: {
        "leads_created": F(0),
        "leads_qualified": F(0),
        "leads_converted_paying": F(0),
        "lead_qualification_rate": None,
        "lead_conversion_rate": None,
        "leads_converted": F(1),  # L8
        "avg_lead_conversion_days": F(23),
        "activities_on_won_deals": F(0),
        "activities_per_won_deal": F(0),  # 0 / 1 (Q3)
    },
    MAY: {
        "leads_created": F(1),
        "leads_qualified": F(1),
        "leads_converted_paying": F(1),
        "lead_qualification_rate": F(1),
        "lead_conversion_rate": F(1),
        "leads_converted": F(1),  # L9
        "avg_lead_conversion_days": F(15),
        "activities_on_won_deals": F(0),
        "activities_per_won_deal": None,
    },
    JUN: {
        "leads_created": F(2),
        "leads_qualified": F(2),
        "leads_converted_paying": F(0),
        "lead_qualification_rate": F(1),
        "lead_conversion_rate": F(0),
        "leads_converted": F(0),
        "avg_lead_conversion_days": None,
        "activities_on_won_deals": F(0),
        "activities_per_won_deal": None,
    },
}

# sales_rep_monthly.activities: activities of the rep with occurred_at (UTC) in the month
#   R1 Jan ACT1 ACT2 ACT3 = 3; Feb ACT6 = 1; Mar 0 (ACT11 is April in UTC);
#      Apr ACT10 ACT11 = 2; May ACT9 = 1 (ACT16 deleted); Jun 0 (ACT13 excluded)
#   R2 Jan ACT4 ACT5 = 2; Feb ACT12 = 1; Mar ACT7 = 1 (ACT8 is April in UTC);
#      Apr ACT8 = 1; May 0; Jun 0 (ACT14 flagged)
EXPECTED_REP_ACTIVITIES = {
    ("R1", JAN): 3,
    ("R1", FEB): 1,
    ("R1", MAR): 0,
    ("R1", APR): 2,
    ("R1", MAY): 1,
    ("R1", JUN): 0,
    ("R2", JAN): 2,
    ("R2", FEB): 1,
    ("R2", MAR): 1,
    ("R2", APR): 1,
    ("R2", MAY): 0,
    ("R2", JUN): 0,
}
