"""Every behavioural knob of the sample company, in one readable place.

Per-segment tuples (declared with `per_segment`) are ordered like
`SEGMENT_ORDER`, `method_mix` columns like `METHOD_ORDER` and the activity-type
mixes like `ACTIVITY_TYPE_ORDER`: the contract owns those enums and their
order, and `Params.validate()` refuses to run if it ever differs from the order
the values here are written in. Per-channel tuples (`per_channel`) follow
`CHANNELS`. Probabilities are per event unless the name says "monthly". Days
are calendar days. Money is in USD unless the name says otherwise; other
currencies get their prices from a price book converted at the first day's FX
rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .enums import ACTIVITY_TYPES, PAYMENT_METHODS, SEGMENTS

# The order the per-segment values and the method mix below are written in; the
# contract's `accounts.segment` and `payments.method` enums must list them so.
SEGMENT_ORDER: tuple[str, ...] = ("smb", "mid_market", "enterprise")
METHOD_ORDER: tuple[str, ...] = ("card", "ach", "wire", "check", "other")
# ... and the columns of the activity-type mixes, the contract's `activities.activity_type`.
ACTIVITY_TYPE_ORDER: tuple[str, ...] = ("call", "email", "meeting", "demo")

# Values the contract does not constrain: the generator's own choices.
CHANNELS: tuple[str, ...] = ("inbound", "outbound", "partner", "paid_search")
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD")
INDUSTRIES: tuple[str, ...] = (
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "media",
    "logistics",
)
# country -> billing currency
COUNTRIES: tuple[tuple[str, str], ...] = (
    ("US", "USD"),
    ("CA", "CAD"),
    ("GB", "GBP"),
    ("DE", "EUR"),
    ("FR", "EUR"),
    ("NL", "EUR"),
    ("ES", "EUR"),
    ("AU", "USD"),
)


# CSAT comments by score: low (1-2), middle (3), high (4-5). A few others give an e-mail
# or a phone number (personal data, `csat.py`).
CSAT_COMMENTS: tuple[tuple[str, ...], ...] = (
    (
        "Too many outages this quarter.",
        "Support took a week to answer.",
        "We are not getting the value we expected.",
        "Reports are slow and often wrong.",
        "Hard to use, our team stopped logging in.",
    ),
    (
        "It does the job, but setup was painful.",
        "Fine overall; the exports could be better.",
        "Some features are missing for our use case.",
        "OK, though the price went up.",
    ),
    (
        "Great product, the team loves it.",
        "Support was quick and helpful.",
        "Saves us hours every week.",
        "Onboarding went smoothly.",
        "The new dashboards are excellent.",
        "Reliable and easy to roll out.",
    ),
)


@dataclass(frozen=True)
class Product:
    product_id: str
    sku: str
    name: str
    family: str
    pricing_model: str  # recurring | one_time
    billing_interval_months: int | None
    list_price: float  # USD, per unit per month (recurring) or per unit (one_time)
    unit_cost: float | None  # USD, same unit as list_price; None: cost unknown


# Index positions matter: the simulator refers to them through the P_* constants.
# Unit costs (USD, like the list prices): subscriptions keep about 80 % of their list
# price (75 % to 84 %, less after discounts), one-time services about 40 % (hours of
# people, not servers); the service credit costs nothing; the test product has no cost.
PRODUCTS: tuple[Product, ...] = (
    Product(
        "PRD-PLAT-M",
        "PLAT-M",
        "Platform seat (monthly billing)",
        "platform",
        "recurring",
        1,
        45,
        7.2,
    ),
    Product(
        "PRD-PLAT-Q",
        "PLAT-Q",
        "Platform seat (quarterly billing)",
        "platform",
        "recurring",
        3,
        42,
        7.2,
    ),
    Product(
        "PRD-PLAT-A",
        "PLAT-A",
        "Platform seat (annual billing)",
        "platform",
        "recurring",
        12,
        38,
        7.2,
    ),
    Product(
        "PRD-ANL-M",
        "ANL-M",
        "Analytics add-on (monthly billing)",
        "add_on",
        "recurring",
        1,
        12,
        2.4,
    ),
    Product(
        "PRD-SUP-A", "SUP-A", "Premium support (annual billing)", "add_on", "recurring", 12, 8, 2.0
    ),
    Product("PRD-ONB", "SVC-ONB", "Onboarding package", "services", "one_time", None, 2500, 1500),
    Product("PRD-TRN", "SVC-TRN", "Training, per hour", "services", "one_time", None, 180, 110),
    Product("PRD-CRD", "CRD", "Service credit", "services", "one_time", None, 0, 0),
    Product(
        "PRD-LEG-S", "LEG-S", "Legacy reporting (semi-annual)", "add_on", "recurring", 6, 20, 4.0
    ),
    Product(
        "PRD-TEST", "TEST", "Test product, created by mistake", "platform", "recurring", 1, 1, None
    ),
)
P_PLAT_M, P_PLAT_Q, P_PLAT_A, P_ANL, P_SUP, P_ONB, P_TRN, P_CRD, P_LEGACY, P_TEST = range(10)
PLATFORM_PRODUCTS = (P_PLAT_M, P_PLAT_Q, P_PLAT_A)
ADDON_PRODUCTS = (-1, P_ANL, P_SUP)  # -1 = no add-on


def per_segment(*values: object) -> Any:
    """A `Params` field holding one value per segment, in `SEGMENT_ORDER`."""
    return field(default=values, metadata={"per": "segment"})


def per_channel(*values: object) -> Any:
    """A `Params` field holding one value per acquisition channel, in `CHANNELS`."""
    return field(default=values, metadata={"per": "channel"})


@dataclass(frozen=True)
class Params:
    # --- acquisition ------------------------------------------------------------
    segment_mix: tuple[float, ...] = per_segment(0.62, 0.28, 0.10)
    channel_mix: tuple[float, ...] = (0.35, 0.25, 0.15, 0.25)
    country_mix: tuple[float, ...] = (0.45, 0.06, 0.13, 0.12, 0.08, 0.06, 0.05, 0.05)
    monthly_account_growth: float = 0.03  # accounts created per month grow by 3 %
    duplicate_account_rate: float = 0.02  # duplicates, deleted a few days later
    account_update_rate: float = 0.25  # share of accounts with a later changed version
    cost_per_lead_usd: tuple[float, ...] = (180.0, 420.0, 260.0, 240.0)  # by channel
    accounts_per_rep: int = 150

    # --- deal shape ---------------------------------------------------------------
    seats_median: tuple[float, ...] = per_segment(8.0, 45.0, 350.0)
    seats_sigma: float = 0.6
    # platform billing interval mix over (monthly, quarterly, annual)
    plan_mix: tuple[tuple[float, ...], ...] = per_segment(
        (0.70, 0.20, 0.10),
        (0.30, 0.40, 0.30),
        (0.00, 0.20, 0.80),
    )
    # add-on mix over (none, analytics monthly, support annual)
    addon_mix: tuple[tuple[float, ...], ...] = per_segment(
        (0.70, 0.25, 0.05),
        (0.50, 0.30, 0.20),
        (0.30, 0.30, 0.40),
    )
    discount_choices: tuple[tuple[int, ...], ...] = per_segment(
        (0, 0, 5, 10),
        (0, 5, 10, 15),
        (10, 15, 20, 25),
    )
    term_choices: tuple[tuple[int, ...], ...] = per_segment((12,), (12, 12, 24), (12, 24, 36))
    onboarding_rate: tuple[float, ...] = per_segment(0.3, 0.6, 0.9)
    onboarding_units: tuple[int, ...] = per_segment(1, 2, 4)

    # --- quote funnel ---------------------------------------------------------------
    first_quote_delay_days: tuple[int, int] = (0, 20)
    abandoned_draft_rate: float = 0.04  # drafts deleted before sending
    send_delay_days: tuple[int, int] = (0, 5)
    cycle_days_mean: tuple[float, ...] = per_segment(14.0, 35.0, 75.0)  # sent -> decided
    new_win_rate: tuple[float, ...] = per_segment(0.26, 0.21, 0.17)
    winback_win_rate: float = 0.5
    lost_expired_share: float = 0.4  # lost quotes that expire instead of being rejected
    expire_after_days: int = 30
    retry_rate: tuple[float, ...] = per_segment(0.45, 0.5, 0.55)  # another new quote after a loss
    retry_gap_days: tuple[int, int] = (30, 240)
    null_discount_rate: float = 0.3  # a zero discount is exported as null

    # --- renewals, expansion, churn -----------------------------------------------
    renewal_lead_months: int = 2
    renewal_rate: tuple[float, ...] = per_segment(0.72, 0.82, 0.90)
    renewal_contraction_rate: float = 0.15
    renewal_contraction_factor: tuple[float, float] = (0.5, 0.9)
    renewal_expansion_rate: float = 0.2
    renewal_expansion_factor: tuple[float, float] = (1.1, 1.5)
    expansion_monthly_rate: tuple[float, ...] = per_segment(0.01, 0.02, 0.03)
    expansion_win_rate: float = 0.65
    expansion_seat_factor: tuple[float, float] = (0.1, 0.5)
    winback_rate: float = 0.4  # churned accounts that get a new quote later
    winback_gap_days: tuple[int, int] = (60, 360)

    # --- billing --------------------------------------------------------------------
    payment_terms_days: tuple[int, ...] = per_segment(15, 30, 45)
    adhoc_training_monthly_rate: tuple[float, ...] = per_segment(0.005, 0.01, 0.02)
    training_hours: tuple[int, int] = (2, 20)
    credit_rate: float = 0.03  # regular invoices with a service-credit line
    credit_share: float = 0.10  # credit = 10 % of the platform line
    void_duplicate_rate: float = 0.005  # invoices issued twice; the copy is voided

    # --- collections ------------------------------------------------------------------
    pay_delay_days_mean: tuple[float, ...] = per_segment(14.0, 28.0, 40.0)
    pay_delay_shape: float = 2.5
    uncollectible_rate: tuple[float, ...] = per_segment(0.03, 0.015, 0.005)
    write_off_after_due_days: int = 90
    partial_payment_rate: float = 0.06
    partial_gap_days: tuple[int, int] = (10, 40)
    failed_payment_rate: tuple[float, ...] = per_segment(0.08, 0.04, 0.01)
    retry_after_failure_days: tuple[int, int] = (2, 7)
    refunded_duplicate_rate: float = 0.015  # a duplicate charge, refunded days later
    payment_without_account_rate: float = 0.05
    # method mix over METHOD_ORDER (card, ach, wire, check, other)
    method_mix: tuple[tuple[float, ...], ...] = per_segment(
        (0.75, 0.15, 0.05, 0.03, 0.02),
        (0.35, 0.40, 0.15, 0.08, 0.02),
        (0.05, 0.30, 0.50, 0.13, 0.02),
    )

    # --- leads (optional entity `leads`) ----------------------------------------------------
    # Every account but the deleted duplicates comes from one converted lead of its channel
    # and owner. Beside it (mean, Poisson) leads of the same channel that never convert,
    # so about 1 / (1 + mean) of a channel's leads convert (25 %, 12.5 %, 29 %, 17 %;
    # about 18 % overall with `channel_mix`).
    unconverted_leads_per_account: tuple[float, ...] = per_channel(3.0, 7.0, 2.5, 5.0)
    # lead created -> converted (gamma, shape 2), at least `lead_min_days`
    lead_conversion_days_mean: tuple[float, ...] = per_channel(18.0, 45.0, 30.0, 12.0)
    lead_min_days: int = 2
    # converted at the account's created_at; the others up to 3 hours before it
    converted_at_account_creation_share: float = 0.3
    lead_working_hours: tuple[int, int] = (1, 72)  # created -> working
    lead_decision_days: tuple[int, int] = (3, 60)  # working -> qualified or disqualified
    # fates of the leads that never convert: disqualified; qualified and stalled (stays
    # qualified); qualified, then disqualified `lead_requalify_days` later
    lead_fate_mix: tuple[float, ...] = (0.78, 0.14, 0.08)
    lead_requalify_days: tuple[int, int] = (10, 90)
    lead_stall_days: tuple[int, int] = (7, 45)  # a stalled lead is still worked this long
    duplicate_lead_rate: float = 0.01  # entered twice; the copy is deleted days later

    # --- activities (optional entity `activities`) -------------------------------------------
    # Activities on a deal (quote) between its creation and decision: Poisson, with a mean
    # of `deal_activities_mean` for a won new-business deal worth
    # `deal_activities_reference_usd`, times (value / reference) ** elasticity, times the
    # factor of a lost deal, a renewal or an expansion.
    deal_activities_mean: float = 12.0
    deal_activities_reference_usd: float = 20_000.0
    deal_activities_value_elasticity: float = 0.3
    lost_deal_activities_factor: float = 0.6
    renewal_activities_factor: float = 0.6
    expansion_activities_factor: float = 0.6
    # Activities on a lead, between its creation and its conversion or fate (a stalled
    # lead: `lead_stall_days` after qualifying), by fate.
    converted_lead_activities_mean: float = 3.0
    stalled_lead_activities_mean: float = 2.0
    disqualified_lead_activities_mean: float = 1.0
    # Account management: activities per month of each won contract (new or renewal).
    account_activities_monthly: float = 0.4
    # activity-type mixes over ACTIVITY_TYPE_ORDER (call, email, meeting, demo)
    deal_activity_mix: tuple[float, ...] = (0.30, 0.40, 0.18, 0.12)
    lead_activity_mix: tuple[float, ...] = (0.40, 0.50, 0.07, 0.03)
    account_activity_mix: tuple[float, ...] = (0.30, 0.45, 0.25, 0.00)
    deleted_activity_rate: float = 0.01  # logged in error, deleted days later

    # --- forecasts (optional entity `forecast_submissions`) -----------------------------------
    # Each rep forecasts each month after the first, `forecast_lead_days` before it: the
    # rep's bookings of that month x the rep's bias x lognormal noise. Reps sandbag,
    # are calibrated or are optimistic, in this mix, with a bias drawn from each range
    # (both over: sandbaggers, calibrated, optimists).
    forecast_rep_mix: tuple[float, ...] = (0.35, 0.35, 0.30)
    forecast_bias: tuple[tuple[float, float], ...] = ((0.7, 0.9), (0.95, 1.05), (1.1, 1.4))
    forecast_noise_sigma: float = 0.2
    forecast_best_case_factor: tuple[float, float] = (1.1, 1.5)
    forecast_lead_days: tuple[int, int] = (2, 6)
    # a second submission before the month (up to its first day: the forecast of record)
    forecast_resubmit_rate: float = 0.15
    # a revision after the month started (not the forecast of record), closer to the truth
    forecast_late_revision_rate: float = 0.10
    forecast_late_revision_days: tuple[int, int] = (1, 14)

    # --- customer success (optional entities `product_usage`, `csat_responses`) ----------------
    # An account's health moves its product usage and its CSAT scores: a usual level plus
    # slow noise (AR(1): memory, monthly sigma), dips of healthy accounts now and then, and
    # the signal of what its contract does next. Before a churn (the first month without
    # seats) or a contraction (fewer seats), some accounts warn, by a depth drawn from the
    # range, weighted by `warning_weights` in the 1, 2, 3, 4 months before; before an
    # expansion (more seats) some rise. The rest give no sign: a churn-risk model should
    # do well on these data, not perfectly.
    usage_level: tuple[float, float] = (0.55, 0.95)  # usual active users / licensed seats
    health_noise_memory: float = 0.6
    health_noise_sigma: float = 0.07
    healthy_dip_monthly_rate: float = 0.04  # dips of 3 months (weights 0.6, 1, 0.6)
    healthy_dip_depth: tuple[float, float] = (0.1, 0.3)
    churn_warning_rate: float = 0.6
    churn_warning_depth: tuple[float, float] = (0.15, 0.45)
    contraction_warning_rate: float = 0.6
    contraction_warning_depth: tuple[float, float] = (0.1, 0.3)
    expansion_lift_rate: float = 0.6
    expansion_lift: tuple[float, float] = (0.05, 0.2)
    warning_weights: tuple[float, ...] = (1.0, 0.75, 0.45, 0.2)
    usage_ramp: tuple[float, ...] = (0.6, 0.85)  # share of the level in a contract's 1st, 2nd month
    max_seat_overuse: float = 0.05  # active users may exceed the seats by this share
    monthly_user_turnover: float = 0.04  # active users replaced by new ones each month
    addon_adoption: tuple[float, float] = (0.3, 0.9)  # add-on users / platform users
    usage_after_cancellation_rate: float = 0.08  # a row with 0 seats the month after a churn
    new_users_unknown_rate: float = 0.01  # rows exported without new_users
    csat_responses_monthly: tuple[float, ...] = per_segment(0.3, 0.5, 1.0)  # per account
    csat_mean_score: float = 4.0  # a score: mean + weight x health + normal noise, 1 to 5
    csat_health_weight: float = 3.0
    csat_account_bias_sigma: float = 0.4  # each account's own lean, added to the mean
    csat_score_sigma: float = 0.9
    csat_comment_rate: float = 0.4
    csat_personal_data_rate: float = 0.1  # comments that give an e-mail or a phone number
    csat_revised_rate: float = 0.02  # the score changed days later (a new version)
    csat_deleted_rate: float = 0.01  # a test or duplicate response, deleted days later

    # --- reference data -------------------------------------------------------------------
    fx_start: tuple[float, ...] = (1.0, 1.08, 1.27, 0.74)  # USD per unit, by CURRENCIES
    fx_daily_volatility: float = 0.004
    target_uplift: float = 1.15  # targets = smoothed team bookings per rep x uplift
    target_spread: tuple[float, float] = (0.8, 1.25)

    # --- names ---------------------------------------------------------------------------
    name_pool_size: int = 1000
    faker_locale: str = "en_US"

    def validate(self) -> None:
        self._check_mixes_sum_to_one()
        self._check_contract_orders()

    def _check_mixes_sum_to_one(self) -> None:
        for label, mix in (
            ("segment_mix", self.segment_mix),
            ("channel_mix", self.channel_mix),
            ("country_mix", self.country_mix),
            *((f"plan_mix[{i}]", m) for i, m in enumerate(self.plan_mix)),
            *((f"addon_mix[{i}]", m) for i, m in enumerate(self.addon_mix)),
            *((f"method_mix[{i}]", m) for i, m in enumerate(self.method_mix)),
            ("lead_fate_mix", self.lead_fate_mix),
            ("deal_activity_mix", self.deal_activity_mix),
            ("lead_activity_mix", self.lead_activity_mix),
            ("account_activity_mix", self.account_activity_mix),
            ("forecast_rep_mix", self.forecast_rep_mix),
        ):
            if abs(sum(mix) - 1.0) > 1e-9:
                raise ValueError(f"generator params: {label} must sum to 1, got {sum(mix)}")

    def _check_contract_orders(self) -> None:
        """Positional values line up with the contract's enums (segment and method codes)."""
        for what, written, contract in (
            ("per-segment values", SEGMENT_ORDER, ("accounts.segment", SEGMENTS)),
            ("method_mix columns", METHOD_ORDER, ("payments.method", PAYMENT_METHODS)),
            (
                "activity-type mixes",
                ACTIVITY_TYPE_ORDER,
                ("activities.activity_type", ACTIVITY_TYPES),
            ),
        ):
            column, values = contract
            if written != values:
                raise ValueError(
                    f"generator params: {what} are written in the order {written}, but the "
                    f"contract's {column} is {values}; reorder them in generator/params.py"
                )
        for f in fields(self):
            per = {"segment": SEGMENTS, "channel": CHANNELS}.get(f.metadata.get("per", ""))
            if per is not None and len(getattr(self, f.name)) != len(per):
                raise ValueError(
                    f"generator params: {f.name} needs one value per {f.metadata['per']} "
                    f"{per}, got {getattr(self, f.name)}"
                )
        for i, row in enumerate(self.method_mix):
            if len(row) != len(PAYMENT_METHODS):
                raise ValueError(
                    f"generator params: method_mix[{i}] needs one share per payment method "
                    f"{PAYMENT_METHODS}, got {row}"
                )
        for name in ("deal_activity_mix", "lead_activity_mix", "account_activity_mix"):
            if len(getattr(self, name)) != len(ACTIVITY_TYPES):
                raise ValueError(
                    f"generator params: {name} needs one share per activity type "
                    f"{ACTIVITY_TYPES}, got {getattr(self, name)}"
                )


PARAMS = Params()
