"""The generator's bad-row manifest reconciles exactly with what the loader did.

Every injected invalid row (expected_fate quarantined) is in `audit.quarantine`
with that reason code at that file and row; every other row of every file,
including the unresolved rows dbt will flag, is in `raw.<entity>` at its row.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from foundation.contract import ENTITY_BY_NAME
from foundation.settings import Settings
from generator import generate
from ingestion.audit import reconcile
from ingestion.loader import load_landing
from tests.ingestion.ingest_helpers import query, warehouse_db


def data_rows(path: Path, fmt: str) -> int:
    """Rows in a landing file, counted independently of the loader."""
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    if fmt == "jsonl":
        return sum(1 for line in path.read_text().splitlines() if line.strip())
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_generator_bad_rows_manifest_reconciles(tmp_path: Path, fmt: str) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "w.duckdb"
    generate(
        landing, accounts=60, start="2024-01", months=12, seed=11, fmt=fmt, bad_rows=0.03,
        progress=False,
    )  # fmt: skip
    with (landing / "_manifest" / "bad_rows.csv").open(newline="") as handle:
        manifest = list(csv.DictReader(handle))
    quarantined = {
        (m["entity"], m["file"], int(m["row_number"])): m
        for m in manifest
        if m["expected_fate"] == "quarantined"
    }
    flagged = [m for m in manifest if m["expected_fate"] == "flagged"]
    # The generator injected some of every invalid kind this test can see.
    assert {m["reason_code"] for m in quarantined.values()} >= {
        "missing_required", "unparseable", "out_of_range", "unknown_enum"
    }  # fmt: skip

    results = load_landing(Settings(landing, warehouse))

    assert sum(r.files_rejected for r in results) == 0, [r.messages for r in results]
    assert reconcile(Settings(landing, warehouse)) == []
    got = {
        (e, f, n): (code, record)
        for e, f, n, code, record in query(
            warehouse,
            "select entity, file_name, row_number, reason_code, record from audit.quarantine",
        )
    }
    assert set(got) == set(quarantined)
    for where, m in quarantined.items():
        code, record = got[where]
        assert code == m["reason_code"], where
        key = ENTITY_BY_NAME[m["entity"]].key
        if len(key) == 1:
            assert json.loads(record)[key[0]] == m["key"], where

    # Every other row is in raw at its row number, and nothing more.
    bad_rows_of: dict[str, set[int]] = defaultdict(set)
    for _entity, file_name, row in quarantined:
        bad_rows_of[file_name].add(row)
    files = query(warehouse, "select entity, file_name, rows_in_file from audit.load_files")
    assert len(files) == sum(r.files_seen for r in results) > 10
    with warehouse_db(warehouse) as con:
        for entity, file_name, rows_in_file in files:
            assert rows_in_file == data_rows(landing / file_name, fmt), file_name
            loaded = {
                r[0]
                for r in con.execute(
                    f"select _row_number from raw.{entity} where _file_name = ?", [file_name]
                ).fetchall()
            }
            assert loaded == set(range(1, rows_in_file + 1)) - bad_rows_of[file_name], file_name
        for m in flagged:
            key = ENTITY_BY_NAME[m["entity"]].key  # a composite key as the manifest joins it
            joined = " || '|' || ".join(f"cast({column} as varchar)" for column in key)
            found = con.execute(
                f"select {joined} from raw.{m['entity']} where _file_name = ? and _row_number = ?",
                [m["file"], int(m["row_number"])],
            ).fetchall()
            assert found == [(m["key"],)], m
