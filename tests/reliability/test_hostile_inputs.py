"""Hostile and odd landing files: each ends in a quarantined row or a rejected file with
its reason, or loads faithfully, as docs/landing-contract.md says ("How odd values are
read", "Limits on files"); the other files and rows of the same run load, the counts
reconcile, and nothing in a file is executed."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from foundation.contract import MAX_CSV_RECORD_BYTES, MAX_GZIP_EXPANSION
from foundation.settings import Settings
from ingestion.audit import reconcile
from ingestion.loader import EntityLoadResult, load_landing
from tests.ingestion.ingest_helpers import counts, query, write_csv
from tests.ingestion.test_ingest_loader import (
    ACCOUNT_HEADER,
    PAYMENT_HEADER,
    account_row,
)
from tests.reliability.results import record

FX_HEADER = ["currency", "rate_date", "usd_per_unit"]


def load(landing: Path, warehouse: Path, *entities: str) -> dict[str, EntityLoadResult]:
    """Load `entities` and check that every loaded file reconciles."""
    settings = Settings(landing, warehouse, threads=1)
    results = {r.entity: r for r in load_landing(settings, list(entities) or None)}
    assert reconcile(settings) == []
    return results


def file_outcomes(warehouse: Path) -> dict[str, tuple[str, str | None]]:
    """file name -> (status, message) from audit.load_files."""
    rows = query(warehouse, "select file_name, status, message from audit.load_files")
    return {name: (status, message) for name, status, message in rows}


def quarantined(warehouse: Path, file_name: str) -> list[tuple[int, str, str, str]]:
    """(row, reason code, column, reason) of a file's quarantined rows, in row order."""
    return query(
        warehouse,
        "select row_number, reason_code, column_name, reason from audit.quarantine "
        "where file_name = ? order by row_number",
        [file_name],
    )


def test_symlinks_out_of_the_landing_folder_are_refused_unread(tmp_path: Path, request) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    outside = tmp_path / "elsewhere"
    # A valid accounts file outside: were a link followed, its row would load.
    secret = write_csv(outside / "accounts.csv", ACCOUNT_HEADER, [account_row("SECRET_1")])
    write_csv(outside / "payments" / "p.csv", PAYMENT_HEADER, [])
    write_csv(landing / "accounts" / "a_good.csv", ACCOUNT_HEADER, [account_row("acc_1")])
    (landing / "accounts" / "b_link.csv").symlink_to(secret)
    (landing / "accounts" / "c_dangling.csv").symlink_to(outside / "gone.csv")
    # A link that stays inside the landing folder is an ordinary file.
    write_csv(landing / "_shared" / "acc_2.csv", ACCOUNT_HEADER, [account_row("acc_2")])
    (landing / "accounts" / "d_inside.csv").symlink_to(landing / "_shared" / "acc_2.csv")
    (landing / "payments").symlink_to(outside / "payments")  # an entity folder
    root = landing.resolve()

    results = load(landing, warehouse, "accounts", "payments")

    assert query(warehouse, "select account_id from raw.accounts order by 1") == [
        ("acc_1",),
        ("acc_2",),
    ]
    outcomes = file_outcomes(warehouse)
    refused = {
        "accounts/b_link.csv": secret,
        "accounts/c_dangling.csv": outside / "gone.csv",
        "payments/p.csv": outside / "payments" / "p.csv",
    }
    for name, target in refused.items():
        assert outcomes[name] == (
            "rejected",
            f"{name}: refused unread: it resolves through a symbolic link to "
            f"{target.resolve()}, outside the landing folder {root}",
        )
    assert outcomes["accounts/a_good.csv"] == ("loaded", None)
    assert outcomes["accounts/d_inside.csv"] == ("loaded", None)
    audit = query(warehouse, "select * from audit.load_files")
    assert "SECRET" not in json.dumps(audit, default=str)
    assert (results["accounts"].files_rejected, results["payments"].files_rejected) == (2, 1)
    # A second run skips the refusals (recorded once), and still reads nothing outside.
    again = load(landing, warehouse, "accounts", "payments")
    assert sum(r.files_skipped for r in again.values()) == 5
    assert query(warehouse, "select count(*) from audit.load_files") == [(5,)]
    record(
        request.node.nodeid,
        "Symbolic links out of the landing folder (to a file, to nothing, an entity folder) "
        "are recorded as rejected without being read; a link inside loads.",
        {"links refused": 3, "rows read from outside": 0, "rows lost": 0},
    )


def test_odd_column_names_load_as_drift_and_duplicates_reject_the_file(
    tmp_path: Path, request
) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    odd = ["select", "from", "x'); drop table raw.accounts; --", 'a"b', "rowid", "_defect",
           "_record", "__v_name", "ü ñ"]  # fmt: skip
    header = [*ACCOUNT_HEADER, *odd]
    values = [f"v{i}" for i in range(len(odd))]
    write_csv(
        landing / "accounts" / "a_odd.csv",
        header,
        [[*account_row("acc_1"), *values], [*account_row("acc_2", segment="huge"), *values]],
    )
    write_csv(
        landing / "accounts" / "b_twice.csv",
        [*ACCOUNT_HEADER, "Tier", " tier "],
        [[*account_row("acc_3"), "a", "b"]],
    )
    row = dict(zip(ACCOUNT_HEADER, account_row("acc_4"), strict=True))
    (landing / "accounts" / "c_twice.jsonl").write_text(
        json.dumps(row)[:-1] + ', "account_id": "acc_5"}\n'
    )

    results = load(landing, warehouse, "accounts")

    assert (results["accounts"].files_loaded, results["accounts"].files_rejected) == (1, 2)
    columns = ", ".join('"' + c.replace('"', '""') + '"' for c in odd)
    # Row 1 loads with every odd column's value in place and its row number from the file.
    assert query(warehouse, f"select _row_number, account_id, {columns} from raw.accounts") == [
        (1, "acc_1", *values)
    ]
    # Row 2 is quarantined; its record keeps the odd columns under their own names.
    [(number, code, column, reason)] = quarantined(warehouse, "accounts/a_odd.csv")
    assert (number, code, column) == (2, "unknown_enum", "segment")
    assert reason == (
        'unknown_enum: column segment value "huge" is not one of smb, mid_market, enterprise'
    )
    kept = json.loads(query(warehouse, "select record from audit.quarantine")[0][0])
    assert {name: kept[name] for name in odd} == dict(zip(odd, values, strict=True))
    outcomes = file_outcomes(warehouse)
    assert outcomes["accounts/b_twice.csv"] == (
        "rejected",
        "accounts/b_twice.csv: line 1: column 'tier' appears twice",
    )
    status, message = outcomes["accounts/c_twice.jsonl"]
    assert status == "rejected"
    assert message.startswith("accounts/c_twice.jsonl: ")
    assert 'duplicate key "account_id"' in message
    record(
        request.node.nodeid,
        "Column names that are SQL keywords, hold quotes, or match the loader's working "
        "names (rowid, _defect, _record) load as drift; duplicated names reject the file.",
        {"odd names kept": len(odd), "files rejected for duplicates": 2, "rows lost": 0},
    )


def test_a_10_mb_field_loads_whole_and_a_longer_record_rejects_its_file(
    tmp_path: Path, request
) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    big = 10 * 1000 * 1000
    write_csv(
        landing / "accounts" / "a_big.csv",
        ACCOUNT_HEADER,
        [account_row("acc_1", industry="é" * (big // 2)), account_row("acc_2")],
    )
    too_long = MAX_CSV_RECORD_BYTES + 1
    write_csv(
        landing / "accounts" / "b_too_long.csv",
        ACCOUNT_HEADER,
        [account_row("acc_3"), account_row("acc_4", industry="x" * too_long)],
    )

    load(landing, warehouse, "accounts")

    # 5,000,000 two-byte characters: 10,000,000 bytes in one field, loaded whole.
    assert query(
        warehouse,
        "select account_id, strlen(industry), length(industry) from raw.accounts order by 1",
    ) == [("acc_1", big, big // 2), ("acc_2", 8, 8)]
    status, message = file_outcomes(warehouse)["accounts/b_too_long.csv"]
    assert status == "rejected"
    # The reason survives the quoted line being cut: line 3 (header = line 1) is too long.
    assert message.startswith("accounts/b_too_long.csv: Invalid Input Error: CSV Error on Line: 3")
    assert f"Maximum line size of {MAX_CSV_RECORD_BYTES} bytes exceeded" in message
    assert len(message) < 1000
    record(
        request.node.nodeid,
        "A 10 MB field loads whole; a CSV record over 16 MiB rejects its file naming the line.",
        {"field bytes loaded": big, "record limit bytes": MAX_CSV_RECORD_BYTES, "rows lost": 0},
    )


def payment(payment_id: str, amount: str) -> list[str]:
    return [payment_id, "inv_1", "acc_1", amount, "EUR", "2024-03-01T10:00:00Z", "card",
            "succeeded", "2024-03-01T10:00:00Z", "false"]  # fmt: skip


def test_decimals_with_19_digits_nan_infinity_and_1e309(tmp_path: Path, request) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    amounts = {
        "1234567890123456789": None,  # 19 digits before the point: more than 14
        "12345678901234.56789": Decimal("12345678901234.5679"),  # 19 digits: 5th decimal rounds
        "99999999999999.99999": None,  # rounds to 100000000000000: 15 digits
        "NaN": None,
        "Infinity": None,
        "-Infinity": None,
        "inf": None,
        "1e309": None,
        "1e3": Decimal("1000.0000"),
        "0.00005": Decimal("0.0001"),  # half away from zero
        "100.25": Decimal("100.2500"),
    }
    rows = [payment(f"p{i}", amount) for i, amount in enumerate(amounts)]
    write_csv(landing / "payments" / "a.csv", PAYMENT_HEADER, rows)
    # In JSON: NaN (DuckDB's reader accepts it) and 1e309 as bare numbers, read as text.
    lines = [json.dumps(dict(zip(PAYMENT_HEADER, payment("j1", "X"), strict=True))),
             json.dumps(dict(zip(PAYMENT_HEADER, payment("j2", "X"), strict=True))),
             json.dumps(dict(zip(PAYMENT_HEADER, payment("j3", "7.5"), strict=True)))]  # fmt: skip
    lines[0] = lines[0].replace('"amount": "X"', '"amount": NaN')
    lines[1] = lines[1].replace('"amount": "X"', '"amount": 1e309')
    (landing / "payments" / "b.jsonl").write_text("\n".join(lines) + "\n")

    load(landing, warehouse, "payments")

    loaded = dict(query(warehouse, "select payment_id, amount from raw.payments"))
    expected = {f"p{i}": v for i, v in enumerate(amounts.values()) if v is not None}
    assert loaded == {**expected, "j3": Decimal("7.5000")}
    bad = {f"p{i}": a for i, (a, v) in enumerate(amounts.items()) if v is None}
    rows_out = quarantined(warehouse, "payments/a.csv")
    assert [(n, code, col) for n, code, col, _ in rows_out] == [
        (int(pid[1:]) + 1, "unparseable", "amount") for pid in bad
    ]
    expectation = "is not a decimal number (up to 18 digits, 4 after the point)"
    assert [reason for *_, reason in rows_out] == [
        f'unparseable: column amount value "{a}" {expectation}' for a in bad.values()
    ]
    in_json = quarantined(warehouse, "payments/b.jsonl")
    assert [(n, code, col) for n, code, col, _ in in_json] == [
        (1, "unparseable", "amount"),
        (2, "unparseable", "amount"),
    ]
    record(
        request.node.nodeid,
        "Decimals with 19 digits, NaN, Infinity and 1e309 (CSV and JSON) are quarantined as "
        "unparseable; a fifth decimal rounds; 1e3 reads as 1000.",
        {"values tried": len(amounts) + 3, "quarantined": len(bad) + 2, "rows lost": 0},
    )


def test_dates_in_years_0001_and_9999_and_timestamps_with_and_without_offsets(
    tmp_path: Path, request
) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    fx = {
        "0001-01-01": date(1, 1, 1),
        "9999-12-31": date(9999, 12, 31),
        "0000-01-01": "out_of_range",  # year 0 is 1 BC
        "10000-01-01": "out_of_range",
        "infinity": "unparseable",
        "epoch": "unparseable",
        "2024-02-30": "unparseable",
    }
    write_csv(
        landing / "fx_rates" / "a.csv",
        FX_HEADER,
        [["EUR", day, "1.1"] for day in fx],
    )
    stamps = {
        "0001-01-01T00:00:00Z": datetime(1, 1, 1, tzinfo=UTC),
        "9999-12-31T23:59:59.999999Z": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        "2024-03-02T12:00:00+02:00": datetime(2024, 3, 2, 10, 0, tzinfo=UTC),  # 12:00 - 2h
        "2024-03-02T12:00:00-05:30": datetime(2024, 3, 2, 17, 30, tzinfo=UTC),  # 12:00 + 5h30
        "2024-03-02 12:00:00": datetime(2024, 3, 2, 12, 0, tzinfo=UTC),  # no zone = UTC
        "2024-03-02": datetime(2024, 3, 2, 0, 0, tzinfo=UTC),
        "9999-12-31T23:59:59-05:00": "out_of_range",  # 10000-01-01 04:59:59 in UTC
        "0001-01-01T00:00:00+05:00": "out_of_range",  # 0001-12-31 (BC) 19:00 in UTC
        "-infinity": "unparseable",
        "2024-03-02T25:00:00Z": "unparseable",
    }
    write_csv(
        landing / "accounts" / "a.csv",
        ACCOUNT_HEADER,
        [account_row(f"acc_{i}", created_at=s) for i, s in enumerate(stamps)],
    )

    load(landing, warehouse, "fx_rates", "accounts")

    good_days = [v for v in fx.values() if isinstance(v, date)]
    assert query(warehouse, "select rate_date from raw.fx_rates order by 1") == [
        (d,) for d in good_days
    ]
    assert [(n, code) for n, code, _, _ in quarantined(warehouse, "fx_rates/a.csv")] == [
        (i + 1, v) for i, v in enumerate(fx.values()) if isinstance(v, str)
    ]
    rows = query(warehouse, "select account_id, created_at from raw.accounts")
    assert {a: ts.astimezone(UTC) for a, ts in rows} == {
        f"acc_{i}": v for i, v in enumerate(stamps.values()) if isinstance(v, datetime)
    }
    out = quarantined(warehouse, "accounts/a.csv")
    assert [(n, code, col) for n, code, col, _ in out] == [
        (i + 1, v, "created_at") for i, v in enumerate(stamps.values()) if isinstance(v, str)
    ]
    assert out[0][3] == (
        'out_of_range: column created_at value "9999-12-31T23:59:59-05:00" must be between '
        "0001-01-01 and 9999-12-31 (in UTC)"
    )
    record(
        request.node.nodeid,
        "Dates in 0001 and 9999 and timestamps with and without offsets load as UTC; values "
        "outside 0001-9999 in UTC are out_of_range, infinity/epoch unparseable.",
        {"values tried": len(fx) + len(stamps), "quarantined": 9, "rows lost": 0},
    )


def test_a_gzip_bomb_is_refused_and_a_normal_gzip_loads(tmp_path: Path, request) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    write_csv(landing / "accounts" / "a_normal.csv.gz", ACCOUNT_HEADER, [account_row("acc_1")])
    # One row with a 40,000,000-character field: 40 MB of CSV in about 39 KB (deflate
    # cannot do better than about 1,030 to 1).
    bomb = landing / "accounts" / "b_bomb.csv.gz"
    write_csv(bomb, ACCOUNT_HEADER, [account_row("acc_b", industry="x" * 40_000_000)])
    expansion = len(gzip.decompress(bomb.read_bytes())) / bomb.stat().st_size
    assert expansion > 1000
    (landing / "accounts" / "c_truncated.csv.gz").write_bytes(
        (landing / "accounts" / "a_normal.csv.gz").read_bytes()[:-12]
    )

    load(landing, warehouse, "accounts")

    assert query(warehouse, "select account_id from raw.accounts") == [("acc_1",)]
    outcomes = file_outcomes(warehouse)
    size = bomb.stat().st_size
    assert outcomes["accounts/b_bomb.csv.gz"] == (
        "rejected",
        f"accounts/b_bomb.csv.gz: refused: it expands to more than {MAX_GZIP_EXPANSION} times "
        f"its {size:,} bytes (over {MAX_GZIP_EXPANSION * size:,} bytes; a decompression "
        "bomb guard)",
    )
    status, message = outcomes["accounts/c_truncated.csv.gz"]
    assert status == "rejected"
    assert message.startswith("accounts/c_truncated.csv.gz: not a readable gzip file: ")
    record(
        request.node.nodeid,
        f"A .csv.gz expanding {expansion:.0f} times is refused (limit {MAX_GZIP_EXPANSION}); "
        "a truncated one is rejected; a normal one loads.",
        {"expansion": round(expansion), "limit": MAX_GZIP_EXPANSION, "rows lost": 0},
    )


def test_json_nested_10000_levels_is_rejected_and_the_rest_loads(tmp_path: Path, request) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "revops.duckdb"
    depth = 10_000
    row = dict(zip(ACCOUNT_HEADER, account_row("acc_1"), strict=True))
    good = json.dumps({**row, "account_id": "acc_2"})
    deep = json.dumps(row)[:-1] + ', "x": ' + '{"x": ' * depth + "1" + "}" * depth + "}"
    (landing / "accounts").mkdir(parents=True)
    (landing / "accounts" / "a_deep.jsonl").write_text(good + "\n" + deep + "\n")
    (landing / "accounts" / "b_deep.json").write_text(
        "[" + json.dumps(row)[:-1] + ', "y": ' + "[" * depth + "]" * depth + "}]"
    )
    (landing / "accounts" / "c_good.jsonl").write_text(good + "\n")

    load(landing, warehouse, "accounts")

    assert query(warehouse, "select _file_name, account_id from raw.accounts") == [
        ("accounts/c_good.jsonl", "acc_2")
    ]
    outcomes = file_outcomes(warehouse)
    for name in ("accounts/a_deep.jsonl", "accounts/b_deep.json"):
        assert outcomes[name] == (
            "rejected",
            f"{name}: Invalid Input Error: JSON exceeds maximum recursion depth of 128",
        )
    record(
        request.node.nodeid,
        "JSON nested 10,000 levels deep (JSON Lines and array) rejects its file; the process "
        "survives and the other file loads.",
        {"depth": depth, "files rejected": 2, "rows lost": 0},
    )


def test_odd_file_names_load_and_a_non_contract_one_is_reported(tmp_path: Path, request) -> None:
    landing = tmp_path / "-land 'it''s' \"q\"; ü"
    warehouse = tmp_path / "wh" / "revops.duckdb"
    names = ["--help.csv", "-rf it's \"q\"; ü.csv", "a b;c.CSV",
             "x'); drop table raw.accounts; --.csv", "名前 ü.jsonl"]  # fmt: skip
    for i, name in enumerate(names[:4]):
        write_csv(landing / "accounts" / name, ACCOUNT_HEADER, [account_row(f"acc_{i}")])
    row = dict(zip(ACCOUNT_HEADER, account_row("acc_4"), strict=True))
    (landing / "accounts" / names[4]).write_text(json.dumps(row) + "\n")
    (landing / "accounts" / "'; drop table raw.accounts; --.txt").write_text("x")
    before = os.listdir(landing / "accounts")

    results = load(landing, warehouse, "accounts")

    assert query(warehouse, "select _file_name, account_id from raw.accounts order by 2") == [
        (f"accounts/{name}", f"acc_{i}") for i, name in enumerate(names)
    ]
    assert results["accounts"].messages == [
        "accounts/'; drop table raw.accounts; --.txt: ignored, not a contract format "
        "(csv, csv.gz, parquet, jsonl, json)"
    ]
    assert os.listdir(landing / "accounts") == before
    assert set(counts(warehouse)) >= {"raw.accounts", "audit.load_files", "audit.quarantine"}
    record(
        request.node.nodeid,
        "File and folder names with quotes, spaces, semicolons, unicode and leading dashes "
        "load; a name shaped like SQL injection drops nothing.",
        {"names tried": len(names) + 1, "rows lost": 0},
    )
