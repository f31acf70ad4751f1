from ingestion.contract import ENTITIES
from revops.contract_docs import render_contract
from revops.settings import PROJECT_ROOT


def test_generated_contract_doc_is_up_to_date():
    committed = (PROJECT_ROOT / "docs" / "landing-contract.md").read_text()
    assert committed == render_contract(), "docs/landing-contract.md is stale: run `make docs`"


def test_doc_lists_every_entity_and_required_column():
    text = render_contract()
    for entity in ENTITIES:
        assert f"## {entity.name}" in text
        for column in entity.required_columns:
            assert f"| {column} | {entity.column(column).type} | R |" in text
