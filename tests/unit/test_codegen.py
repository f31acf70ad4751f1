"""Files generated from the contract registry: each is up to date, and each follows the registry."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest
import yaml

from foundation.contract import ENTITIES, REASONS, entity, foreign_keys
from foundation.contract import entities as registry
from revops.codegen import generated_files, stale_files
from revops.codegen.contract_doc import render_contract_doc
from revops.codegen.dbt_files import (
    MARTS_DIR,
    check_mart_columns,
    render_personal_data_test,
    render_reason_codes,
    render_sources,
    render_staging_models,
)

FILES = generated_files()


@pytest.mark.parametrize("file", FILES, ids=[f.path for f in FILES])
def test_generated_file_is_up_to_date(file):
    assert not file.is_stale(), f"{file.path} is stale: run `make generate`"


def test_a_changed_registry_makes_the_files_stale(tmp_path, monkeypatch):
    """The check can fail: a new enum value changes the doc and the staging tests."""
    for file in FILES:
        file.write(tmp_path)
    assert stale_files(tmp_path) == []
    quotes = registry.QUOTES
    status = quotes.column("status")
    more = dataclasses.replace(status, enum=(*status.enum, "on_hold"))
    changed = dataclasses.replace(
        quotes, columns=tuple(more if c.name == "status" else c for c in quotes.columns)
    )
    monkeypatch.setattr(
        "revops.codegen.contract_doc.ENTITIES",
        tuple(changed if e.name == "quotes" else e for e in ENTITIES),
    )
    monkeypatch.setattr(
        "revops.codegen.dbt_files.ENTITIES",
        tuple(changed if e.name == "quotes" else e for e in ENTITIES),
    )
    stale = {f.path for f in stale_files(tmp_path)}
    assert stale == {
        "docs/landing-contract.md",
        "dbt_project/models/staging/_staging__models.yml",
    }


def test_contract_doc_lists_every_entity_column_and_reason():
    text = render_contract_doc()
    for ent in ENTITIES:
        assert f"### {ent.name}" in text
        for column in ent.columns:
            required = "R" if column.required else ""
            assert f"| {column.name} | {column.type} | {required} |" in text
    for reason in REASONS:
        assert f"| `{reason.code}` | {reason.kind} ({reason.fate}) |" in text


def _staging_models() -> dict[str, dict]:
    document = yaml.safe_load(render_staging_models())
    return {model["name"]: model for model in document["models"]}


def _tests_of(model: dict, column: str) -> list:
    (found,) = [c for c in model["columns"] if c["name"] == column]
    return found.get("data_tests", [])


def _column_rules(model: dict) -> dict:
    (test,) = [t["column_rules"] for t in model["data_tests"] if "column_rules" in t]
    assert test["name"] == f"column_rules_{model['name']}"
    return test["arguments"]


def test_staging_tests_follow_the_registry_exactly():
    """Read off foundation/contract/entities.py by hand: payments has seven required
    columns (status staged as payment_status, updated_at from UPDATED_AT; is_deleted is
    not staged), two enums and a range with an exclusive bound; products an int enum;
    fx_rates a composite key."""
    models = _staging_models()
    payments = models["stg_payments"]
    assert _column_rules(payments) == {
        "not_null": [
            "payment_id",
            "invoice_id",
            "amount",
            "currency",
            "received_at",
            "payment_status",
            "updated_at",
        ],
        "unique": ["payment_id"],
        "accepted_values": {
            "method": ["card", "ach", "wire", "check", "other"],
            "payment_status": ["succeeded", "failed", "refunded"],
        },
        "accepted_range": {"amount": {"min_value": 0, "min_inclusive": False}},
    }
    assert _tests_of(payments, "payment_id") == []
    assert _tests_of(payments, "invoice_id") == [
        {
            "relationships_or_flagged": {
                "arguments": {
                    "to": "ref('stg_invoices')",
                    "field": "invoice_id",
                    "entity": "payments",
                    "key_columns": ["payment_id"],
                }
            }
        },
    ]
    products = _column_rules(models["stg_products"])
    assert products["accepted_values"]["billing_interval_months"] == [1, 3, 6, 12]
    fx_rates = _column_rules(models["stg_fx_rates"])
    assert fx_rates["unique"] == [["currency", "rate_date"]]
    assert fx_rates["not_null"] == ["currency", "rate_date", "usd_per_unit"]


def test_every_reference_of_the_registry_is_a_staging_test():
    models = _staging_models()
    for ent in ENTITIES:
        for reference in foreign_keys(ent):
            staged = ent.column(reference.column).staged_as
            tests = _tests_of(models[ent.staging_model], staged)
            (relationship,) = [t for t in tests if "relationships_or_flagged" in t]
            target = relationship["relationships_or_flagged"]["arguments"]["to"]
            assert target == f"ref('{entity(reference.parent).staging_model}')"


def test_sources_document_every_contract_column_and_mark_personal_data():
    (source,) = yaml.safe_load(render_sources())["sources"]
    tables = {table["name"]: table for table in source["tables"]}
    assert set(tables) == {ent.name for ent in ENTITIES}
    assert source["config"]["loaded_at_field"] == "_loaded_at"
    for ent in ENTITIES:
        documented = {c["name"]: c for c in tables[ent.name]["columns"]}
        for column in ent.columns:
            assert documented[column.name]["description"] == column.description
            meta = documented[column.name].get("config", {}).get("meta", {})
            assert meta.get("sensitive", False) == column.sensitive


def test_reason_code_seed_lists_every_code_once():
    rows = list(csv.DictReader(io.StringIO(render_reason_codes())))
    assert [row["reason_code"] for row in rows] == [reason.code for reason in REASONS]
    assert {row["fate"] for row in rows} == {"quarantined", "flagged"}


def test_the_personal_data_test_covers_every_mart_and_the_registrys_personal_data():
    text = render_personal_data_test()
    tested = re.findall(r"ref\('(\w+)'\)", text)
    documented = {
        model["name"]
        for path in MARTS_DIR.rglob("_*__models.yml")
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
    }
    assert len(documented) > 20
    assert tested == sorted(documented)
    # The registry's personal data: accounts.email and leads.email (staged as `email`)
    # and csat_responses.comment.
    assert "sensitive_columns=['comment', 'email']" in text


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        ({"name": "contact_email"}, "fct_x.contact_email is named like email"),
        (
            {"name": "note", "config": {"meta": {"sensitive": True}}},
            "fct_x.note is marked sensitive",
        ),
    ],
)
def test_contract_sync_refuses_a_mart_column_of_personal_data(tmp_path, column, reason):
    document = {"version": 2, "models": [{"name": "fct_x", "columns": [column]}]}
    (tmp_path / "_x__models.yml").write_text(yaml.safe_dump(document))
    with pytest.raises(ValueError, match=re.escape(reason)):
        check_mart_columns(tmp_path)
    check_mart_columns(MARTS_DIR)  # the project's marts hold none
