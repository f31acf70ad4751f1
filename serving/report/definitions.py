"""What each tile and chart of the report means, in words (from docs/metrics.md).

docs/metrics.md is the one home of the definitions; these are its short forms,
shown next to each number (a hover title and a <details> block). Keep them in step.
"""

from __future__ import annotations

METRICS = {
    "mrr": "MRR: the monthly value of every recurring invoice line whose service period "
    "covers the month's last day (amount in USD / months in the period), summed.",
    "arr": "ARR = 12 x MRR, as of the month's last day.",
    "nrr_12m": "NRR 12m: the MRR today of the accounts that paid 12 months ago, over "
    "their MRR then (expansion counts, new customers do not).",
    "grr_12m": "GRR 12m: like NRR 12m, but each account counts at most its MRR of 12 "
    "months ago (no expansion): the revenue kept.",
    "logo_churn_rate": "Logo churn: customers whose MRR fell to 0 in the month, over the "
    "active customers of the month before.",
    "bookings_tcv": "Bookings: the total contract value (TCV, in USD) of the quotes "
    "accepted in the month.",
    "win_rate": "Win rate: accepted quotes over accepted, rejected and expired quotes "
    "decided in the month.",
    "dso": "DSO: accounts receivable at month end over the month's invoiced amount, "
    "times the days in the month.",
    "lead_conversion_rate": "Lead conversion: the leads created in the month (a cohort) "
    "that became a paying customer by the as-of date, over the leads created.",
    "forecast_accuracy": "Forecast accuracy (reps): 1 - |bookings - commit| / bookings over "
    "the reps with a forecast of record for the month.",
    "csat": "CSAT: survey responses of the month scoring 4 or 5, over all its responses.",
    "gross_margin_rate": "Gross margin rate: (invoiced amount - cost) / invoiced amount over "
    "the costed invoice lines issued in the month.",
}

CHARTS = {
    "arr": METRICS["arr"],
    "mrr-bridge": "MRR bridge: each month's MRR change split by account into new (first "
    "paying month), reactivation (paying again), expansion and contraction (an existing "
    "customer's MRR up or down) and churn (MRR down to 0). Their sum is the net new MRR.",
    "retention": METRICS["nrr_12m"] + " " + METRICS["grr_12m"],
    "cohort-retention": "Cohort retention: accounts grouped by their first paying month; "
    "each cell is the share of the cohort still paying (MRR > 0) n months later.",
    "ar-aging": "AR aging: the open balance of open and paid invoices at month end, by days "
    "past due (month end - due date): current, 1-30, 31-60, 61-90, over 90. " + METRICS["dso"],
    "bookings": METRICS["bookings_tcv"]
    + " Split by quote type (new, renewal, expansion). "
    + METRICS["win_rate"],
    "funnel": "Funnel over the last 12 months: leads created, qualified (qualified_at set or "
    "converted) and converted into a paying customer (by creation month); then quotes "
    "created, sent and accepted (won deals) in the same months.",
    "quota-attainment": "Quota attainment: a rep's bookings in the month over the rep's "
    "target for it (1 = at quota). Reps without a target are not shown.",
    "forecast": "Forecast against bookings: the reps' commit (sum of their forecasts of "
    "record, submitted by the month's first day) and the warehouse's pipeline forecast "
    "(win rates of open quotes by stage over the past 12 months, plus the run-rate of "
    "quotes created and won within a month), against the bookings.",
    "csat-utilization": METRICS["csat"] + " Seat utilization: active users over licensed "
    "seats, summed over the month's usage rows with seats.",
    "margin": METRICS["gross_margin_rate"] + " Per product family (a product without one "
    "is `unknown`); a line without a unit cost is left out.",
}
