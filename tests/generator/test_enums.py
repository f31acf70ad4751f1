"""The generator and the contract's enums: one owner, the registry.

The company's files hold exactly the values the contract allows in each enum
column: none it does not know, and every one it allows (so the accepted-values
tests and the metrics downstream see every case). Files are read back with
DuckDB; the allowed values come from `foundation.contract`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from foundation.contract import ENTITIES, entity
from generator import DEFAULTS, Params, generate
from generator import params as generator_params
from generator.enums import (
    ACTIVITY_TYPES,
    INVOICE_STATUSES,
    LEAD_STATUSES,
    PAYMENT_STATUSES,
    QUOTE_STATUSES,
    QUOTE_TYPES,
    ActivityType,
    InvoiceStatus,
    LeadStatus,
    PaymentStatus,
    QuoteStatus,
    QuoteType,
    code_of,
    named_codes,
)

ENUM_COLUMNS = tuple((e.name, c.name) for e in ENTITIES for c in e.columns if c.enum)
STATUS_COLUMNS = (
    ("quotes", "status"),
    ("invoices", "status"),
    ("payments", "status"),
    ("leads", "status"),
    ("activities", "activity_type"),
)
# The demo company (`revops generate` without options); a smaller one never voids an invoice.
RUN = dict(
    accounts=DEFAULTS.accounts, start=DEFAULTS.start, months=DEFAULTS.months, seed=DEFAULTS.seed
)


def _enum_mismatches(root: Path) -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """(entity, column) -> (values the contract does not allow, allowed values never
    written), for every enum column whose files differ from the contract."""
    found = {}
    con = duckdb.connect()
    try:
        for name, column in ENUM_COLUMNS:
            scan = f"read_csv('{root / name}/*.csv', header = true, all_varchar = true)"
            values = con.execute(
                f"select distinct {column} from {scan} where {column} is not null"
            ).fetchall()
            written = {v for (v,) in values}
            allowed = set(entity(name).column(column).enum)
            if written != allowed:
                found[(name, column)] = (written - allowed, allowed - written)
    finally:
        con.close()
    return found


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen_enums") / "landing"
    return generate(out, **RUN, progress=False).out


def test_every_enum_column_holds_exactly_the_contracts_values(company):
    assert set(STATUS_COLUMNS) <= set(ENUM_COLUMNS)  # the registry still has the statuses
    assert _enum_mismatches(company) == {}


def test_the_check_sees_an_unknown_value_and_a_value_never_written(tmp_path):
    # No lost quote expires, no payment fails, no activity is a demo (the deal and lead
    # mixes are set without; account management has none), and bad rows add an unknown
    # method ("crypto"), lead status and activity type ("unknown"): the check must name
    # each, and nothing else.
    quiet = Params(
        lost_expired_share=0.0,
        failed_payment_rate=(0.0, 0.0, 0.0),
        deal_activity_mix=(0.35, 0.45, 0.20, 0.0),
        lead_activity_mix=(0.40, 0.50, 0.10, 0.0),
    )
    out = generate(tmp_path / "landing", **RUN, bad_rows=0.05, params=quiet, progress=False).out
    assert _enum_mismatches(out) == {
        ("quotes", "status"): (set(), {"expired"}),
        ("payments", "status"): (set(), {"failed"}),
        ("payments", "method"): ({"crypto"}, set()),
        ("leads", "status"): ({"unknown"}, set()),
        ("activities", "activity_type"): ({"unknown"}, {"demo"}),
    }


@pytest.mark.parametrize(
    ("codes", "labels"),
    [
        (QuoteType, QUOTE_TYPES),
        (QuoteStatus, QUOTE_STATUSES),
        (InvoiceStatus, INVOICE_STATUSES),
        (PaymentStatus, PAYMENT_STATUSES),
        (LeadStatus, LEAD_STATUSES),
        (ActivityType, ACTIVITY_TYPES),
    ],
)
def test_status_codes_are_positions_in_the_registry_tuple(codes, labels):
    named = named_codes(codes)
    assert {labels[code]: name.lower() for name, code in named.items()} == {
        label: label for label in labels
    }, "every value of the enum is named, by its own label's position"


def test_a_label_the_contract_does_not_allow_fails_by_name():
    with pytest.raises(ValueError, match=r"quotes\.status = 'won'.*draft, sent"):
        code_of(QUOTE_STATUSES, "won", "quotes.status")


def test_params_refuse_a_segment_order_they_were_not_written_in(monkeypatch):
    Params().validate()
    reordered = tuple(reversed(generator_params.SEGMENTS))
    monkeypatch.setattr(generator_params, "SEGMENTS", reordered)
    with pytest.raises(ValueError, match=r"per-segment values.*accounts\.segment"):
        Params().validate()


def test_params_refuse_a_method_order_they_were_not_written_in(monkeypatch):
    reordered = tuple(reversed(generator_params.PAYMENT_METHODS))
    monkeypatch.setattr(generator_params, "PAYMENT_METHODS", reordered)
    with pytest.raises(ValueError, match=r"method_mix columns.*payments\.method"):
        Params().validate()


def test_params_refuse_an_activity_type_order_they_were_not_written_in(monkeypatch):
    reordered = tuple(reversed(generator_params.ACTIVITY_TYPES))
    monkeypatch.setattr(generator_params, "ACTIVITY_TYPES", reordered)
    with pytest.raises(ValueError, match=r"activity-type mixes.*activities\.activity_type"):
        Params().validate()


def test_params_refuse_a_per_channel_value_of_the_wrong_length():
    message = "unconverted_leads_per_account needs one value per channel"
    with pytest.raises(ValueError, match=message):
        Params(unconverted_leads_per_account=(3.0, 7.0)).validate()


def test_params_refuse_a_per_segment_value_of_the_wrong_length():
    with pytest.raises(ValueError, match="seats_median needs one value per segment"):
        Params(seats_median=(8.0, 45.0)).validate()
