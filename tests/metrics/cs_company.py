"""Customer success and margin of the hand-computed company (metrics_company.py), by hand.

`LANDING` holds the CSAT responses and usage rows written into the landing folder beside
the company's other entities; `UNIT_COSTS`, `PRODUCT_CURRENCIES` and `LINE_QUANTITIES`
complete its products and invoice lines (the optional column `products.unit_cost`, and
the invoice lines' `quantity`). The expected numbers of the new columns of the marts
live here too, with the arithmetic in comments. Definitions: docs/metrics.md (Customer
success, Margin); nothing here was read back from the SQL.

What the rest of the company gives (metrics_company.py):
  Spine January to June 2025 (as-of 2025-06-30); CSAT and usage never move it.
  FX: EUR 1.10 from 2024-12-01, 1.20 from 2025-03-01; GBP 1.25, then 1.30 from 03-01.
  Accounts A1..A5 (A9 never lands). Products PLAT (recurring, platform), ADDON
  (recurring, add_on), SVC (one-time, services).

CSAT responses (responded_at in UTC, score):
  CS1  A1 01-10 5 (comment with a phone number: personal data, stays in staging)
  CS2  A2 01-20 3
  CS3  A3 01-31T23:30-02:00 = 02-01 UTC 4: a February response
  CS4  A1 02-14 2
  CS5  A4 02-20 1, then a later version deleted: not in staging, not counted
  CS6  A9 03-05 5: account not in staging -> flagged orphan_reference, not counted
  CS12 A2 03-10 4 (comment with an e-mail address)
  CS7  A2 04-02 4   CS8 A3 04-15 5   CS9 A5 04-28 3 (a prospect answers too)
  May: none
  CS11 A4 06-10 1
  CS10 A1 06-30T22:00-05:00 = 07-01 UTC 5: after the as-of month, in no month

Product usage (account, product, month: seats, active, new):
  Jan  A1 PLAT 1, 1, 1   A2 PLAT 2, 2, 2   A4 PLAT 2, 1, 1
  Feb  A1 PLAT 3, 2, 1   A2 PLAT 2, 2, 0   A3 ADDON 0, 4, null   A4 PLAT 2, 2, 1
  Mar  A1 PLAT 3, 3, 1   A2 PLAT 2, 1, 0   A3 ADDON 2, 2, 2
       A9 PLAT 10, 10, 10 (account unknown: flagged) and A2 GHOST 5, 5, 5 (product
       unknown: flagged)
  Apr  A1 PLAT null, 2, null   A3 ADDON 2, 2, 0
  May  none
  Jun  A2 PLAT 4, 5, 1 (more users than seats)
  Jul  A1 PLAT 3, 3, 0 (after the as-of month)

Margin: unit costs PLAT 20 USD per seat and month, SVC 250 EUR per unit (SVC is priced
in EUR: its cost is converted at the EUR rate), ADDON none (its lines are not costed).
Invoice-line quantities below (L7 and L12 have none).
"""

from __future__ import annotations

from fractions import Fraction as F

from tests.metrics.metrics_company import APR, FEB, JAN, JUN, MAR, MAY, MONTHS


def _response(
    response_id: str,
    account_id: str,
    responded_at: str,
    score: int,
    comment: str | None = None,
    updated_at: str | None = None,
    is_deleted: str | None = None,
) -> dict[str, object]:
    return dict(
        response_id=response_id,
        account_id=account_id,
        responded_at=responded_at,
        score=score,
        comment=comment,
        updated_at=updated_at,
        is_deleted=is_deleted,
    )


def _usage(
    account_id: str,
    product_id: str,
    month: str,
    licensed_seats: int | None,
    active_users: int,
    new_users: int | None,
) -> dict[str, object]:
    return dict(
        account_id=account_id,
        product_id=product_id,
        month=month,
        licensed_seats=licensed_seats,
        active_users=active_users,
        new_users=new_users,
    )


T = "T10:00:00Z"
PHONE_COMMENT = "Love it, call me at +1 555 0100"
EMAIL_COMMENT = "Write to ap@bravo.test about the renewal"

# fmt: off
LANDING: dict[str, list[dict[str, object]]] = {
    "csat_responses": [
        _response("CS1", "A1", "2025-01-10" + T, 5, comment=PHONE_COMMENT),
        _response("CS2", "A2", "2025-01-20" + T, 3),
        _response("CS3", "A3", "2025-01-31T23:30:00-02:00", 4),
        _response("CS4", "A1", "2025-02-14" + T, 2),
        _response("CS5", "A4", "2025-02-20" + T, 1, updated_at="2025-02-20" + T,
                  is_deleted="false"),
        _response("CS5", "A4", "2025-02-20" + T, 1, updated_at="2025-02-21" + T,
                  is_deleted="true"),
        _response("CS6", "A9", "2025-03-05" + T, 5),
        _response("CS12", "A2", "2025-03-10" + T, 4, comment=EMAIL_COMMENT),
        _response("CS7", "A2", "2025-04-02" + T, 4),
        _response("CS8", "A3", "2025-04-15" + T, 5),
        _response("CS9", "A5", "2025-04-28" + T, 3),
        _response("CS11", "A4", "2025-06-10" + T, 1),
        _response("CS10", "A1", "2025-06-30T22:00:00-05:00", 5),
    ],
    "product_usage": [
        _usage("A1", "PLAT", JAN, 1, 1, 1),
        _usage("A2", "PLAT", JAN, 2, 2, 2),
        _usage("A4", "PLAT", JAN, 2, 1, 1),
        _usage("A1", "PLAT", FEB, 3, 2, 1),
        _usage("A2", "PLAT", FEB, 2, 2, 0),
        _usage("A3", "ADDON", FEB, 0, 4, None),
        _usage("A4", "PLAT", FEB, 2, 2, 1),
        _usage("A1", "PLAT", MAR, 3, 3, 1),
        _usage("A2", "PLAT", MAR, 2, 1, 0),
        _usage("A3", "ADDON", MAR, 2, 2, 2),
        _usage("A9", "PLAT", MAR, 10, 10, 10),
        _usage("A2", "GHOST", MAR, 5, 5, 5),
        _usage("A1", "PLAT", APR, None, 2, None),
        _usage("A3", "ADDON", APR, 2, 2, 0),
        _usage("A2", "PLAT", JUN, 4, 5, 1),
        _usage("A1", "PLAT", "2025-07-01", 3, 3, 0),
    ],
}
# fmt: on

UNIT_COSTS = {"PLAT": "20", "SVC": "250"}  # ADDON has none
PRODUCT_CURRENCIES = {"SVC": "EUR"}  # PLAT and ADDON stay USD
LINE_QUANTITIES = {
    "L1": "1",
    "L2": "3",
    "L3": "3",
    "L4a": "3",
    "L4b": "1",
    "L5": "3",
    "L6": "3",
    "L8": "2",
    "L9": "2",
    "L10": "2",
    "L11a": "2",
    "L11b": "1",
}  # L7 and L12 have no quantity

# audit.flagged: (entity, record_key) -> reason
FLAGGED = {
    ("csat_responses", "CS6"): "orphan_reference",  # account A9 is not in accounts
    ("product_usage", "A9|PLAT|2025-03-01"): "orphan_reference",  # account A9
    ("product_usage", "A2|GHOST|2025-03-01"): "orphan_reference",  # product GHOST
}
# fct_csat_responses: response -> (score, is_satisfied, responded_month); CS5 deleted,
# CS6 flagged; CS10 is in the fact (July), it only falls outside the spine
FCT_CSAT = {
    "CS1": (5, True, JAN),
    "CS2": (3, False, JAN),
    "CS3": (4, True, FEB),
    "CS4": (2, False, FEB),
    "CS12": (4, True, MAR),
    "CS7": (4, True, APR),
    "CS8": (5, True, APR),
    "CS9": (3, False, APR),
    "CS11": (1, False, JUN),
    "CS10": (5, True, "2025-07-01"),
}
# fct_product_usage: every usage row but the two flagged March rows
FCT_USAGE = {
    (str(row["account_id"]), str(row["product_id"]), str(row["month"]))
    for row in LANDING["product_usage"]
} - {("A9", "PLAT", MAR), ("A2", "GHOST", MAR)}
assert len(FCT_USAGE) == 14

# ---------------------------------------------------------------------------------------
# CSAT by UTC month of responded_at = satisfied (score >= 4) / responses; mean score
#   Jan CS1 5, CS2 3        -> 2 responses, 1 satisfied: 1/2; mean (5 + 3) / 2 = 4
#   Feb CS3 4, CS4 2        -> 2, 1: 1/2; mean 3 (CS5 deleted: with it 1/3)
#   Mar CS12 4              -> 1, 1: 1; mean 4 (CS6 flagged)
#   Apr CS7 4, CS8 5, CS9 3 -> 3, 2: 2/3; mean 12 / 3 = 4
#   May none                -> 0 responses (landed: 0, not null); rate and mean null
#   Jun CS11 1              -> 1, 0: 0; mean 1 (CS10 is July in UTC)
# User adoption = Σ new / Σ active over the rows with new_users set
#   Jan (1 + 2 + 1) / (1 + 2 + 1) = 4/4 = 1
#   Feb A1 1/2, A2 0/2, A4 1/2 (A3 new null: out) -> 2/6 = 1/3
#   Mar A1 1/3, A2 0/1, A3 2/2 (A9, GHOST flagged) -> 3/6 = 1/2
#   Apr A3 0/2 (A1 new null: out) -> 0/2 = 0
#   May no row -> 0/0 null;  Jun 1/5
# Seat utilization = Σ active / Σ seats over the rows with licensed_seats > 0
#   Jan (1 + 2 + 1) / (1 + 2 + 2) = 4/5
#   Feb A1 2/3, A2 2/2, A4 2/2 (A3 0 seats: out) -> 6/7
#   Mar A1 3/3, A2 1/2, A3 2/2 -> 6/7
#   Apr A3 2/2 (A1 seats null: out) -> 1
#   May null;  Jun 5/4 = 1.25 (more users than seats)
# ---------------------------------------------------------------------------------------
# Margin: lines of billable invoices with amount > 0, a quantity and a product with a
# unit_cost; cost = quantity x unit_cost x (months_in_period of a recurring line with a
# period, else 1), in USD from the product's currency at the invoice's issued date.
#   Jan  L1   I1  PLAT 100 USD, 1 x 20 x 1 month                    -> 100, cost 20
#        L8   I8  PLAT 300 EUR x 1.10 = 330 USD (the invoice's rate), [01-15, 04-15)
#                 = 3 months: 2 x 20 x 3 = 120 USD (PLAT is priced in USD) -> 330, 120
#        L11a I11 PLAT 300 USD, [01-31, 03-15) = 1.5 months: 2 x 20 x 1.5 = 60
#        L11b I11 SVC one-time 1000 USD: 1 x 250 EUR x 1 = 250 EUR, at the EUR rate of
#                 the invoice's issued date 01-31 (1.10): 275 USD
#        platform: 100 + 330 + 300 = 730 revenue, 20 + 120 + 60 = 200 cost, margin 530
#        services: 1000, 275, margin 725, rate 0.725
#   Feb  L2   I2  PLAT 150, 3 x 20 x 1 = 60 -> margin 90, rate 0.6
#        L10  I10 ADDON has no unit_cost: left out of both sums
#   Mar  L3   I3  PLAT 150, 60 -> 90, 0.6 (I3's open version wins over its draft)
#   Apr  L4a  I4  PLAT 150, 3 x 20 = 60; L4b is a credit (-30): left out
#        L9   I9  PLAT 300 EUR x 1.20 = 360, [04-15, 07-15) = 3 months: 2 x 20 x 3 = 120
#        platform: 150 + 360 = 510, 60 + 120 = 180, margin 330
#   May  L5 is on a void invoice: no costed line -> gross margin null
#   Jun  L7 has no quantity, L12 is a credit: no costed line -> null
#   (L6 is on a draft invoice.)
# ---------------------------------------------------------------------------------------
# product_margin_monthly: (month, family) -> (costed_lines, revenue, cost, margin, rate)
EXPECTED_MARGIN: dict[tuple[str, str], tuple[F, ...]] = {
    (JAN, "platform"): (F(3), F(730), F(200), F(530), F(530, 730)),
    (JAN, "services"): (F(1), F(1000), F(275), F(725), F(725, 1000)),
    (FEB, "platform"): (F(1), F(150), F(60), F(90), F(90, 150)),
    (MAR, "platform"): (F(1), F(150), F(60), F(90), F(90, 150)),
    (APR, "platform"): (F(2), F(510), F(180), F(330), F(330, 510)),
}

CS_COLUMNS = [
    "csat_responses",
    "csat_satisfied_responses",
    "csat",
    "avg_csat_score",
    "user_adoption_rate",
    "seat_utilization",
    "margin_revenue_usd",
    "margin_cost_usd",
    "gross_margin",
    "gross_margin_rate",
]
# the six columns of METRICS.md, null without their inputs
NEW_COLUMNS = [
    "csat",
    "avg_csat_score",
    "user_adoption_rate",
    "seat_utilization",
    "gross_margin",
    "gross_margin_rate",
]


def _margin(month: str) -> dict[str, F | None]:
    cells = [v for (m, _), v in EXPECTED_MARGIN.items() if m == month]
    if not cells:
        return dict.fromkeys(
            ["margin_revenue_usd", "margin_cost_usd", "gross_margin", "gross_margin_rate"]
        )
    revenue = sum((c[1] for c in cells), F(0))
    cost = sum((c[2] for c in cells), F(0))
    return {
        "margin_revenue_usd": revenue,
        "margin_cost_usd": cost,
        "gross_margin": revenue - cost,
        "gross_margin_rate": (revenue - cost) / revenue,
    }


EXPECTED_CS_METRICS: dict[str, dict[str, F | None]] = {
    JAN: {
        "csat_responses": F(2),
        "csat_satisfied_responses": F(1),
        "csat": F(1, 2),
        "avg_csat_score": F(4),
        "user_adoption_rate": F(4, 4),
        "seat_utilization": F(4, 5),
        # 730 + 1000 = 1730 revenue, 200 + 275 = 475 cost, margin 1255
        **_margin(JAN),
    },
    FEB: {
        "csat_responses": F(2),
        "csat_satisfied_responses": F(1),
        "csat": F(1, 2),
        "avg_csat_score": F(3),
        "user_adoption_rate": F(2, 6),
        "seat_utilization": F(6, 7),
        **_margin(FEB),
    },
    MAR: {
        "csat_responses": F(1),
        "csat_satisfied_responses": F(1),
        "csat": F(1),
        "avg_csat_score": F(4),
        "user_adoption_rate": F(3, 6),
        "seat_utilization": F(6, 7),
        **_margin(MAR),
    },
    APR: {
        "csat_responses": F(3),
        "csat_satisfied_responses": F(2),
        "csat": F(2, 3),
        "avg_csat_score": F(4),
        "user_adoption_rate": F(0),
        "seat_utilization": F(1),
        **_margin(APR),
    },
    MAY: {
        "csat_responses": F(0),  # csat_responses has landed: 0, not null
        "csat_satisfied_responses": F(0),
        "csat": None,  # 0 / 0
        "avg_csat_score": None,
        "user_adoption_rate": None,  # no usage row in May
        "seat_utilization": None,
        **_margin(MAY),  # no costed line: null, not 0
    },
    JUN: {
        "csat_responses": F(1),
        "csat_satisfied_responses": F(0),
        "csat": F(0),
        "avg_csat_score": F(1),
        "user_adoption_rate": F(1, 5),
        "seat_utilization": F(5, 4),
        **_margin(JUN),
    },
}
# spelled out where the sums meet:
assert EXPECTED_CS_METRICS[JAN]["gross_margin"] == F(1255)
assert EXPECTED_CS_METRICS[JAN]["gross_margin_rate"] == F(1255, 1730)
assert EXPECTED_CS_METRICS[APR]["gross_margin_rate"] == F(330, 510)
assert EXPECTED_CS_METRICS[MAY]["gross_margin"] is None
assert sorted(EXPECTED_CS_METRICS) == MONTHS
