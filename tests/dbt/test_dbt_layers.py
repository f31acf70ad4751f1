"""The dbt layers and areas, read from the parsed manifest.

staging -> intermediate -> marts: an `int_` model reads only staging, intermediate
models and seeds, never a mart (marts may read marts). Every intermediate and mart
model lives in the folder of its business area, and its folder gives its schema.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import dbt_runs
from tests.dbt.star import MODELS

AREAS = {"core", "finance", "sales", "customer_success", "metrics"}
SCHEMA_OF_LAYER = {
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
    "audit": "audit",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dbt_runs.manifest()


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }


def test_no_intermediate_model_reads_a_mart(manifest):
    nodes = models(manifest)
    marts = {uid for uid, node in nodes.items() if node["schema"] == "marts"}
    intermediates = [node for node in nodes.values() if node["name"].startswith("int_")]
    assert intermediates and marts, "the project has no int_ models or no marts to check"
    reads_marts = {
        node["name"]: sorted(
            nodes[uid]["name"] for uid in node["depends_on"]["nodes"] if uid in marts
        )
        for node in intermediates
    }
    assert {name: read for name, read in reads_marts.items() if read} == {}


def test_every_model_sits_in_its_layer_and_area(manifest):
    for node in models(manifest).values():
        parts = node["original_file_path"].removeprefix(f"{MODELS}/").split("/")
        layer = parts[0]
        assert node["schema"] == SCHEMA_OF_LAYER[layer], node["original_file_path"]
        assert node["name"].startswith("int_") == (layer == "intermediate"), node["name"]
        if layer in ("intermediate", "marts"):
            assert len(parts) == 3 and parts[1] in AREAS, node["original_file_path"]
