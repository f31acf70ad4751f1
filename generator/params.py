"""Every behavioural knob of the sample company, in one readable place.

Per-segment tuples (declared with `per_segment`) are ordered like
`SEGMENT_ORDER`, and `method_mix` columns like `METHOD_ORDER`: the contract owns
those enums and their order, and `Params.validate()` refuses to run if it ever
differs from the order the values here are written in. Probabilities are per
event unless the name says "monthly". Days are calendar days. Money is in USD
unless the name says otherwise; other currencies get their prices from a price
book converted at the first day's FX rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .enums import PAYMENT_METHODS, SEGMENTS

# The order the per-segment values and the method mix below are written in; the
# contract's `accounts.segment` and `payments.method` enums must list them so.
SEGMENT_ORDER: tuple[str, ...] = ("smb", "mid_market", "enterprise")
METHOD_ORDER: tuple[str, ...] = ("card", "ach", "wire", "check", "other")

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


@dataclass(frozen=True)
class Product:
    product_id: str
    sku: str
    name: str
    family: str
    pricing_model: str  # recurring | one_time
    billing_interval_months: int | None
    list_price: float  # USD, per unit per month (recurring) or per unit (one_time)


# Index positions matter: the simulator refers to them through the P_* constants.
PRODUCTS: tuple[Product, ...] = (
    Product(
        "PRD-PLAT-M", "PLAT-M", "Platform seat (monthly billing)", "platform", "recurring", 1, 45
    ),
    Product(
        "PRD-PLAT-Q", "PLAT-Q", "Platform seat (quarterly billing)", "platform", "recurring", 3, 42
    ),
    Product(
        "PRD-PLAT-A", "PLAT-A", "Platform seat (annual billing)", "platform", "recurring", 12, 38
    ),
    Product(
        "PRD-ANL-M", "ANL-M", "Analytics add-on (monthly billing)", "add_on", "recurring", 1, 12
    ),
    Product("PRD-SUP-A", "SUP-A", "Premium support (annual billing)", "add_on", "recurring", 12, 8),
    Product("PRD-ONB", "SVC-ONB", "Onboarding package", "services", "one_time", None, 2500),
    Product("PRD-TRN", "SVC-TRN", "Training, per hour", "services", "one_time", None, 180),
    Product("PRD-CRD", "CRD", "Service credit", "services", "one_time", None, 0),
    Product("PRD-LEG-S", "LEG-S", "Legacy reporting (semi-annual)", "add_on", "recurring", 6, 20),
    Product("PRD-TEST", "TEST", "Test product, created by mistake", "platform", "recurring", 1, 1),
)
P_PLAT_M, P_PLAT_Q, P_PLAT_A, P_ANL, P_SUP, P_ONB, P_TRN, P_CRD, P_LEGACY, P_TEST = range(10)
PLATFORM_PRODUCTS = (P_PLAT_M, P_PLAT_Q, P_PLAT_A)
ADDON_PRODUCTS = (-1, P_ANL, P_SUP)  # -1 = no add-on


def per_segment(*values: object) -> Any:
    """A `Params` field holding one value per segment, in `SEGMENT_ORDER`."""
    return field(default=values, metadata={"per": "segment"})


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
        ):
            if abs(sum(mix) - 1.0) > 1e-9:
                raise ValueError(f"generator params: {label} must sum to 1, got {sum(mix)}")

    def _check_contract_orders(self) -> None:
        """Positional values line up with the contract's enums (segment and method codes)."""
        for what, written, contract in (
            ("per-segment values", SEGMENT_ORDER, ("accounts.segment", SEGMENTS)),
            ("method_mix columns", METHOD_ORDER, ("payments.method", PAYMENT_METHODS)),
        ):
            column, values = contract
            if written != values:
                raise ValueError(
                    f"generator params: {what} are written in the order {written}, but the "
                    f"contract's {column} is {values}; reorder them in generator/params.py"
                )
        for f in fields(self):
            if f.metadata.get("per") == "segment" and len(getattr(self, f.name)) != len(SEGMENTS):
                raise ValueError(
                    f"generator params: {f.name} needs one value per segment {SEGMENTS}, "
                    f"got {getattr(self, f.name)}"
                )
        for i, row in enumerate(self.method_mix):
            if len(row) != len(PAYMENT_METHODS):
                raise ValueError(
                    f"generator params: method_mix[{i}] needs one share per payment method "
                    f"{PAYMENT_METHODS}, got {row}"
                )


PARAMS = Params()
