"""The hand-computed company's warehouse, built once for the metric tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.metrics import metrics_company as co
from tests.metrics.helpers import build_company


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("metrics_company")
    path = build_company(tmp, co.AS_OF)
    yield path
    shutil.rmtree(tmp / "target", ignore_errors=True)
