"""dbt star schema on a generated company loaded by the real loader.

generator (with bad rows) -> ingestion.loader.load_landing -> `dbt build` of the star
schema; audit.flagged must list exactly the generator manifest's rows whose expected
fate is `flagged` (entity, key, reason), and every dbt test must pass.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from foundation.settings import Settings
from tests.dbt.star import build_star, query


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    from generator import generate
    from ingestion.loader import load_landing

    tmp = tmp_path_factory.mktemp("dbt_star_generated")
    landing = tmp / "landing"
    warehouse = tmp / "warehouse.duckdb"
    generate(landing, accounts=60, start="2024-01", months=12, seed=7, bad_rows=0.03,
             progress=False)  # fmt: skip
    load_landing(Settings(landing, warehouse))
    build_star(warehouse, tmp / "target")
    return landing, warehouse


def test_flagged_rows_are_the_manifest_unresolved_rows(generated):
    landing, warehouse = generated
    with open(landing / "_manifest" / "bad_rows.csv", newline="") as fh:
        expected = {
            (row["entity"], row["key"], row["reason_code"])
            for row in csv.DictReader(fh)
            if row["expected_fate"] == "flagged"
        }
    assert expected, "the generator made no flagged rows; the test would prove nothing"
    assert set(query(warehouse, "select entity, record_key, reason from audit.flagged")) == (
        expected
    )


def test_flagged_rows_are_not_in_the_facts(generated):
    _, warehouse = generated
    leaked = query(
        warehouse,
        """
        select flagged.entity, flagged.record_key
        from audit.flagged as flagged
        where (entity = 'invoices'
                and record_key in (select invoice_id from marts.fct_invoices))
            or (entity = 'payments'
                and record_key in (select payment_id from marts.fct_payments))
            or (entity = 'quotes'
                and record_key in (select quote_id from marts.fct_quotes))
            or (entity = 'invoice_lines'
                and record_key in (select invoice_line_id from marts.fct_invoice_lines))
            or (entity = 'quote_lines'
                and record_key in (select quote_line_id from marts.fct_quote_lines))
            or (entity = 'leads'
                and record_key in (select lead_id from marts.fct_leads))
            or (entity = 'activities'
                and record_key in (select activity_id from marts.fct_activities))
        """,
    )
    assert leaked == []
    assert query(warehouse, "select count(*) from marts.fct_invoices")[0][0] > 0
