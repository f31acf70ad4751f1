"""The committed suites: generated from the contract, complete, and well formed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from expectations.suites import (
    SUITES_DIR,
    all_suites,
    build_all_suites,
    foreign_keys,
    revops_gx_build_raw_suites,
)
from foundation.contract import ENTITIES, ENTITY_BY_NAME, LINEAGE_COLUMNS


def _committed() -> dict[Path, bytes]:
    return {p.relative_to(SUITES_DIR): p.read_bytes() for p in SUITES_DIR.rglob("*.json")}


def test_regenerating_raw_suites_gives_the_committed_json(tmp_path: Path) -> None:
    written = revops_gx_build_raw_suites(tmp_path)

    assert sorted(p.relative_to(tmp_path) for p in written) == sorted(
        Path("raw") / f"{e.name}.json" for e in ENTITIES
    )
    committed = _committed()
    for path in written:
        relative = path.relative_to(tmp_path)
        assert path.read_bytes() == committed[relative], f"{relative} differs: rerun the build"


def test_regenerating_all_suites_gives_the_committed_json(tmp_path: Path) -> None:
    build_all_suites(tmp_path)
    regenerated = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.json")}
    assert regenerated == _committed(), "run `python -m expectations.suites` and commit"


def test_raw_suites_follow_the_contract() -> None:
    for ent in ENTITIES:
        suite = json.loads((SUITES_DIR / "raw" / f"{ent.name}.json").read_text())
        assert suite["name"] == f"raw.{ent.name}"
        assert suite["meta"]["severity"] == "error"
        assert suite["meta"]["optional"] is ent.reference
        queries = [
            e["kwargs"]["unexpected_rows_query"]
            for e in suite["expectations"]
            if e["type"] == "unexpected_rows_expectation"
        ]
        types_query, lineage_query, nulls_query, count_query = queries
        for col in ent.columns:
            assert f"('{col.name}', typeof(cast(null as {col.duckdb_type})))" in types_query
        for name, type_ in LINEAGE_COLUMNS.items():
            assert f"('{name}', typeof(cast(null as {type_})))" in lineage_query
        assert f"where entity = '{ent.name}' and status = 'loaded'" in count_query
        # one scan for every column that must not be null: `or`-ed in the where clause
        where = nulls_query.split("\nwhere ", 1)[1]
        not_null = set(re.findall(r"\b([a-z_]+) is null", where))
        assert set(ent.key) <= not_null
        assert set(ent.required_columns) | {"_file_name", "_row_number", "_loaded_at"} == not_null
        assert where.count(" is null") == len(not_null) == where.count(" or ") + 1


def test_foreign_keys_come_from_the_contract() -> None:
    found = {(e.name, col, parent) for e in ENTITIES for col, parent in foreign_keys(e)}
    assert found == {
        ("quotes", "account_id", "accounts"),
        ("quote_lines", "quote_id", "quotes"),
        ("quote_lines", "product_id", "products"),
        ("invoices", "account_id", "accounts"),
        ("invoices", "quote_id", "quotes"),
        ("invoice_lines", "invoice_id", "invoices"),
        ("invoice_lines", "product_id", "products"),
        ("payments", "invoice_id", "invoices"),
        ("payments", "account_id", "accounts"),
    }
    assert all(parent in ENTITY_BY_NAME for _, _, parent in found)


def test_every_suite_is_well_formed() -> None:
    specs = all_suites()
    assert len({s.name for s in specs}) == len(specs) == 26
    for spec in specs:
        suite = spec.build()
        assert suite.name == f"{spec.schema}.{spec.table}"
        assert suite.meta["layer"] == spec.schema in ("raw", "staging", "marts")
        assert suite.meta["severity"] in ("error", "warn")
        gx_severity = {"error": "critical", "warn": "warning"}[spec.severity]
        for exp in suite.expectations:
            assert exp.description, (spec.name, exp.expectation_type)
            assert exp.severity == gx_severity
            query = getattr(exp, "unexpected_rows_query", None)
            if query is not None:
                assert "{batch}" in query


def test_suites_name_the_other_tables_their_checks_read() -> None:
    from expectations.runner import suite_reads

    assert suite_reads("raw.invoices") == ["audit.load_files"]
    assert suite_reads("staging.stg_payments") == [
        "audit.flagged",
        "staging.stg_accounts",
        "staging.stg_invoices",
    ]
    assert suite_reads("marts.fct_invoices") == ["marts.fct_invoice_lines"]
    assert suite_reads("marts.metrics_monthly") == ["marts.fct_quotes"]
    assert suite_reads("marts.fct_mrr") == []
