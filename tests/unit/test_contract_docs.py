from foundation.contract import ENTITIES
from foundation.settings import PROJECT_ROOT
from revops.generated_files import render_contract


def test_generated_contract_doc_is_up_to_date():
    committed = (PROJECT_ROOT / "docs" / "landing-contract.md").read_text()
    assert committed == render_contract(), "docs/landing-contract.md is stale: run `make docs`"


def test_doc_lists_every_entity_and_required_column():
    text = render_contract()
    for entity in ENTITIES:
        assert f"## {entity.name}" in text
        for column in entity.required_columns:
            assert f"| {column} | {entity.column(column).type} | R |" in text
