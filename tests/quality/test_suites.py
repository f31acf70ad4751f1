"""The committed suites: generated from the contract registry, exactly these checks.

What each check does on real data is proven by running it (test_layers.py); here,
that every suite holds exactly the checks the registry implies, with their
severities, and that the committed JSON is what the code generates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from expectations.catalogue import list_suites, suite_reads
from expectations.suites import SUITES_DIR, all_suites, build_all_suites, generated_suites
from foundation.contract import ENTITIES, LINEAGE_COLUMNS, Entity, entity
from foundation.settings import PROJECT_ROOT

ROWS = "unexpected_rows_expectation"
ROW_COUNT = "expect_table_row_count_to_be_between"
FACT_ENTITIES = [
    "quotes",
    "quote_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "leads",
    "activities",
    "csat_responses",
]
# facts of a composite key: int_records_excluded names a row by its key columns joined by '|'
COMPOSITE_FACT_ENTITIES = ["product_usage"]
METRIC_MARTS = ["account_360", "lead_funnel_monthly", "model_evaluation", "product_margin_monthly"]
# facts of entities that reference nothing: no row is excluded, the whole key is compared
UNEXCLUDED_FACT_ENTITIES = ["forecast_submissions"]


def _committed() -> dict[Path, bytes]:
    return {p.relative_to(SUITES_DIR): p.read_bytes() for p in SUITES_DIR.rglob("*.json")}


def _suite(name: str) -> dict:
    schema, table = name.split(".")
    return json.loads((SUITES_DIR / schema / f"{table}.json").read_text(encoding="utf-8"))


def _checks(name: str) -> list[tuple[str, str, str]]:
    """(GX type, description, GX severity) of each expectation of a committed suite."""
    return [(e["type"], e["description"], e["severity"]) for e in _suite(name)["expectations"]]


def _row_count(relation: str) -> tuple[str, str, str]:
    return (
        ROW_COUNT,
        f"row count of {relation} is at least half the count at its latest earlier validation",
        "warning",
    )


def _keys(ent: Entity) -> str:
    return ", ".join(ent.column(k).staged_as for k in ent.key)


def test_regenerating_all_suites_gives_the_committed_json(tmp_path: Path) -> None:
    build_all_suites(tmp_path)
    regenerated = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.json")}
    assert regenerated == _committed(), "run `python -m expectations.suites` and commit"
    # and what `revops contract-sync` writes is the same
    assert {Path(path): text.encode() for path, text in generated_suites().items()} == {
        SUITES_DIR.relative_to(PROJECT_ROOT) / p: b for p, b in _committed().items()
    }


def test_one_suite_per_entity_and_layer_and_per_fact() -> None:
    # one raw and one staging suite per contract entity, one per fact
    assert [(s.name, s.severity) for s in list_suites()] == [
        *sorted((f"raw.{e.name}", "error") for e in ENTITIES),
        *sorted(
            (
                f"staging.stg_{e.name}",
                "warn" if e.name in ("sales_targets", "marketing_spend") else "error",
            )
            for e in ENTITIES
        ),
        *sorted(
            [
                (f"marts.fct_{name}", "error")
                for name in FACT_ENTITIES + COMPOSITE_FACT_ENTITIES + UNEXCLUDED_FACT_ENTITIES
            ]
            + [(f"marts.{name}", "error") for name in METRIC_MARTS]
        ),
    ]
    facts = len(FACT_ENTITIES) + len(COMPOSITE_FACT_ENTITIES) + len(UNEXCLUDED_FACT_ENTITIES)
    assert len(all_suites()) == 2 * len(ENTITIES) + facts + len(METRIC_MARTS)


def test_raw_suites_are_the_contract_and_load_checks() -> None:
    for ent in ENTITIES:
        name = f"raw.{ent.name}"
        assert _checks(name) == [
            (
                ROWS,
                f"every contract column of {ent.name} is present with its contract type",
                "critical",
            ),
            (
                ROWS,
                "lineage columns (_file_name, _row_number, _loaded_at, _batch_id) are present",
                "critical",
            ),
            (
                ROWS,
                f"key and required columns of {ent.name} ({', '.join(ent.required_columns)}) "
                "and lineage (_file_name, _row_number, _loaded_at) are not null",
                "critical",
            ),
            (
                ROWS,
                f"count(*) of raw.{ent.name} equals the rows_loaded of its loaded files "
                "in audit.load_files",
                "critical",
            ),
            _row_count(name),
            (
                ROWS,
                f"at most 5% of the rows of {ent.name} files in the latest batch of "
                "audit.load_files were quarantined",
                "warning",
            ),
        ], name
        meta = _suite(name)["meta"]
        assert (meta["optional"], meta["reads"]) == (ent.optional, ["audit.load_files"])


def test_raw_queries_name_exactly_the_contract_columns() -> None:
    for ent in ENTITIES:
        types, lineage, nulls, *_ = (
            e["kwargs"].get("unexpected_rows_query")
            for e in _suite(f"raw.{ent.name}")["expectations"]
        )
        expected_types = re.findall(r"\('(\w+)', typeof\(cast\(null as ([^)]+\)?)\)\)\)", types)
        assert expected_types == [(c.name, c.duckdb_type) for c in ent.columns]
        assert re.findall(r"\('(\w+)', typeof\(cast\(null as (\w+)\)\)\)", lineage) == list(
            LINEAGE_COLUMNS.items()
        )
        where = nulls.split("\nwhere ", 1)[1]
        assert re.findall(r"(\w+) is null", where) == [
            *ent.required_columns,
            "_file_name",
            "_row_number",
            "_loaded_at",
        ]


def test_staging_suites_reconcile_keys_with_raw() -> None:
    for ent in ENTITIES:
        name = f"staging.stg_{ent.name}"
        severity = "warning" if ent.name in ("sales_targets", "marketing_spend") else "critical"
        keys = _keys(ent)
        lost = (
            f"every key ({keys}) of raw.{ent.name} is in stg_{ent.name} (nothing lost)"
            if not ent.has_deletes
            else f"every key ({keys}) of raw.{ent.name} missing from stg_{ent.name} has a "
            f"deleted version in raw.{ent.name} (nothing lost)"
        )
        assert _checks(name) == [
            (
                ROWS,
                f"every key ({keys}) of stg_{ent.name} is in raw.{ent.name} (nothing invented)",
                severity,
            ),
            (ROWS, lost, severity),
            _row_count(name),
        ], name
        assert suite_reads(name) == [f"raw.{ent.name}"]


def test_mart_suites_reconcile_facts_with_staging_and_exclusions() -> None:
    for name in FACT_ENTITIES:
        key = entity(name).key[0]
        suite = f"marts.fct_{name}"
        assert _checks(suite) == [
            (
                ROWS,
                f"every {key} of stg_{name} is in fct_{name} or in int_records_excluded "
                "(nothing lost)",
                "critical",
            ),
            (
                ROWS,
                f"every {key} of fct_{name} is in stg_{name} and not in int_records_excluded "
                "(nothing invented)",
                "critical",
            ),
            _row_count(suite),
        ], suite
        assert suite_reads(suite) == ["intermediate.int_records_excluded", f"staging.stg_{name}"]


def test_the_product_usage_fact_reconciles_on_its_composite_key() -> None:
    """Staging and the fact are compared on (account_id, product_id, month); a row is
    excluded when int_records_excluded names it account_id|product_id|month."""
    suite = "marts.fct_product_usage"
    key = "(account_id, product_id, month)"
    assert _checks(suite) == [
        (
            ROWS,
            f"every {key} of stg_product_usage is in fct_product_usage or in "
            "int_records_excluded (nothing lost)",
            "critical",
        ),
        (
            ROWS,
            f"every {key} of fct_product_usage is in stg_product_usage and not in "
            "int_records_excluded (nothing invented)",
            "critical",
        ),
        _row_count(suite),
    ]
    assert suite_reads(suite) == [
        "intermediate.int_records_excluded",
        "staging.stg_product_usage",
    ]
    lost, invented = [
        e["kwargs"]["unexpected_rows_query"] for e in _suite(suite)["expectations"][:2]
    ]
    for alias, query in (("staged", lost), ("fact_keys", invented)):
        # no cast: `||` makes the date text as dbt's record_key does on each engine
        assert (
            f"excluded.record_key = {alias}.account_id || '|' || "
            f"{alias}.product_id || '|' || {alias}.month\n"
        ) in query


def test_the_forecast_submissions_fact_reconciles_on_its_whole_key() -> None:
    """No exclusions (the entity references nothing): staging and the fact hold the same
    (owner_rep_id, forecast_month, submitted_at) keys; int_records_excluded is not read."""
    suite = "marts.fct_forecast_submissions"
    key = "(owner_rep_id, forecast_month, submitted_at)"
    assert _checks(suite) == [
        (
            ROWS,
            f"every {key} of stg_forecast_submissions is in fct_forecast_submissions "
            "(nothing lost)",
            "critical",
        ),
        (
            ROWS,
            f"every {key} of fct_forecast_submissions is in stg_forecast_submissions "
            "(nothing invented)",
            "critical",
        ),
        _row_count(suite),
    ]
    assert suite_reads(suite) == ["staging.stg_forecast_submissions"]
    queries = [e["kwargs"]["unexpected_rows_query"] for e in _suite(suite)["expectations"][:2]]
    for column in ("owner_rep_id", "forecast_month", "submitted_at"):
        assert all(
            f"fact_keys.{column} = staged.{column}" in q
            or f"staged.{column} = fact_keys.{column}" in q
            for q in queries
        ), column


def test_row_count_checks_take_half_the_previous_count_as_their_minimum() -> None:
    for spec in all_suites():
        (row_count,) = [e for e in _suite(spec.name)["expectations"] if e["type"] == ROW_COUNT]
        assert row_count["kwargs"] == {
            "min_value": {"$PARAMETER": "trunc((previous_row_count + 1) / 2)"}
        }


def test_suite_severity_is_the_highest_of_its_checks() -> None:
    for spec in all_suites():
        suite = _suite(spec.name)
        severities = {e["severity"] for e in suite["expectations"]}
        assert suite["meta"]["severity"] == ("error" if "critical" in severities else "warn")
        assert suite["meta"]["layer"] == suite["meta"]["schema"] == spec.name.split(".")[0]


def test_the_lead_funnel_suite_reconciles_it_with_staging() -> None:
    suite = "marts.lead_funnel_monthly"
    assert _checks(suite) == [
        (
            ROWS,
            "the sum of leads_created of lead_funnel_monthly equals the leads of stg_leads "
            "not in int_records_excluded created in a month of int_metric_months_spined "
            "(nothing lost, nothing invented)",
            "critical",
        ),
        (
            ROWS,
            "leads_created, leads_qualified and leads_converted_paying of each month and "
            "source_channel of lead_funnel_monthly equal those of stg_leads (not excluded; "
            "paying: converted into an account with mrr > 0 in fct_mrr)",
            "critical",
        ),
        _row_count(suite),
    ]
    assert suite_reads(suite) == [
        "intermediate.int_metric_months_spined",
        "intermediate.int_records_excluded",
        "marts.fct_mrr",
        "staging.stg_leads",
    ]


def test_the_product_margin_suite_reconciles_it_with_the_invoice_lines() -> None:
    suite = "marts.product_margin_monthly"
    assert _checks(suite) == [
        (
            ROWS,
            "costed_lines and revenue_usd of each month and family of product_margin_monthly "
            "equal those of the costed lines of fct_invoice_lines (billable, amount > 0, a "
            "quantity, a dim_product with a unit_cost and an FX rate of its currency) issued "
            "in a month of int_metric_months_spined",
            "critical",
        ),
        _row_count(suite),
    ]
    assert suite_reads(suite) == [
        "intermediate.int_fx_rates_ranged",
        "intermediate.int_metric_months_spined",
        "marts.dim_product",
        "marts.fct_invoice_lines",
    ]
