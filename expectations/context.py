"""The ephemeral GX context built from the committed project (`expectations/gx/`).

Suites are read from `expectations/gx/expectations/`; validation results and Data
Docs are written under the chosen `docs_dir`; validation definitions and
checkpoints stay in memory. GX writes nothing into the repository (and no
`great_expectations.yml` on every asset it adds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import great_expectations as gx
import yaml
from great_expectations.data_context import AbstractDataContext

from expectations.suites import GX_DIR, SUITES_DIR

# GX's validation results behind the Data Docs, kept beside them so that suites
# validated in separate calls (one Dagster step per layer) all appear in the index.
RESULTS_DIRNAME = ".gx_results"


def project_config(docs_dir: Path) -> dict[str, Any]:
    """`great_expectations.yml` with its stores pointed at the suites and `docs_dir`."""
    docs_dir = docs_dir.resolve()
    config = yaml.safe_load((GX_DIR / "great_expectations.yml").read_text(encoding="utf-8"))
    for key in ("config_variables_file_path", "plugins_directory"):
        config.pop(key, None)
    stores = config["stores"]
    stores["expectations_store"]["store_backend"]["base_directory"] = str(SUITES_DIR)
    stores["validation_results_store"]["store_backend"]["base_directory"] = str(
        docs_dir / RESULTS_DIRNAME
    )
    for name in ("checkpoint_store", "validation_definition_store"):
        stores[name]["store_backend"] = {"class_name": "InMemoryStoreBackend"}
    config["data_docs_sites"]["local_site"]["store_backend"]["base_directory"] = str(docs_dir)
    return config


def ephemeral_context(
    docs_dir: Path, variables: dict[str, str] | None = None
) -> AbstractDataContext:
    """`variables`: GX config variables (`${name}` in a datasource's config), held in
    memory by the context only (`expectations.datasources.context_variables`)."""
    return gx.get_context(
        mode="ephemeral", project_config=project_config(docs_dir), runtime_environment=variables
    )
