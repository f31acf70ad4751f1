"""The contract's enums, as the generator codes them.

Labels come from the contract registry (`foundation.contract`), never restated
here. The simulator keeps an enum value as its code, the label's position in
the registry's tuple, and `encode.py` turns the code back into that label. The
classes below name the codes the simulator sets itself; each value is looked up
by label in the registry's tuple, so the order has one owner, and a label the
registry no longer allows fails at import with its name.

The codes are plain ints rather than IntEnum members: NumPy takes a plain int
at full speed, while an IntEnum member costs a few microseconds in every array
operation it meets (about 2 % of a run's time).
"""

from __future__ import annotations

from foundation.contract import entity


def contract_enum(entity_name: str, column: str) -> tuple[str, ...]:
    """The allowed values of `entity_name.column`, in the registry's order."""
    values = entity(entity_name).column(column).enum
    if not values:
        raise ValueError(
            f"the contract gives {entity_name}.{column} no allowed values; "
            "the generator codes that column as an enum"
        )
    return values


SEGMENTS = contract_enum("accounts", "segment")
QUOTE_TYPES = contract_enum("quotes", "quote_type")
QUOTE_STATUSES = contract_enum("quotes", "status")
INVOICE_STATUSES = contract_enum("invoices", "status")
PAYMENT_STATUSES = contract_enum("payments", "status")
PAYMENT_METHODS = contract_enum("payments", "method")
LEAD_STATUSES = contract_enum("leads", "status")
ACTIVITY_TYPES = contract_enum("activities", "activity_type")


def named_codes(codes: type) -> dict[str, int]:
    """NAME -> code of a class of codes below (for checks and tests)."""
    return {name: code for name, code in vars(codes).items() if name.isupper()}


def code_of(labels: tuple[str, ...], label: str, column: str) -> int:
    """The code of `label`: its position in the contract's `labels` of `column`."""
    if label not in labels:
        raise ValueError(
            f"the generator writes {column} = {label!r}, which the contract does not allow "
            f"(allowed: {', '.join(labels)})"
        )
    return labels.index(label)


class QuoteType:
    """Codes of quotes.quote_type."""

    NEW = code_of(QUOTE_TYPES, "new", "quotes.quote_type")
    RENEWAL = code_of(QUOTE_TYPES, "renewal", "quotes.quote_type")
    EXPANSION = code_of(QUOTE_TYPES, "expansion", "quotes.quote_type")


class QuoteStatus:
    """Codes of quotes.status."""

    DRAFT = code_of(QUOTE_STATUSES, "draft", "quotes.status")
    SENT = code_of(QUOTE_STATUSES, "sent", "quotes.status")
    ACCEPTED = code_of(QUOTE_STATUSES, "accepted", "quotes.status")
    REJECTED = code_of(QUOTE_STATUSES, "rejected", "quotes.status")
    EXPIRED = code_of(QUOTE_STATUSES, "expired", "quotes.status")


class InvoiceStatus:
    """Codes of invoices.status."""

    DRAFT = code_of(INVOICE_STATUSES, "draft", "invoices.status")
    OPEN = code_of(INVOICE_STATUSES, "open", "invoices.status")
    PAID = code_of(INVOICE_STATUSES, "paid", "invoices.status")
    VOID = code_of(INVOICE_STATUSES, "void", "invoices.status")
    UNCOLLECTIBLE = code_of(INVOICE_STATUSES, "uncollectible", "invoices.status")


class PaymentStatus:
    """Codes of payments.status."""

    SUCCEEDED = code_of(PAYMENT_STATUSES, "succeeded", "payments.status")
    FAILED = code_of(PAYMENT_STATUSES, "failed", "payments.status")
    REFUNDED = code_of(PAYMENT_STATUSES, "refunded", "payments.status")


class LeadStatus:
    """Codes of leads.status."""

    NEW = code_of(LEAD_STATUSES, "new", "leads.status")
    WORKING = code_of(LEAD_STATUSES, "working", "leads.status")
    QUALIFIED = code_of(LEAD_STATUSES, "qualified", "leads.status")
    DISQUALIFIED = code_of(LEAD_STATUSES, "disqualified", "leads.status")
    CONVERTED = code_of(LEAD_STATUSES, "converted", "leads.status")


class ActivityType:
    """Codes of activities.activity_type (the simulator draws them from the mixes in
    `params.py`, written in this order)."""

    CALL = code_of(ACTIVITY_TYPES, "call", "activities.activity_type")
    EMAIL = code_of(ACTIVITY_TYPES, "email", "activities.activity_type")
    MEETING = code_of(ACTIVITY_TYPES, "meeting", "activities.activity_type")
    DEMO = code_of(ACTIVITY_TYPES, "demo", "activities.activity_type")


# A failed first attempt is a declined card (other methods follow `Params.method_mix`).
CARD = code_of(PAYMENT_METHODS, "card", "payments.method")
