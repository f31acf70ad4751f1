"""An incremental build reads again only what was loaded after its last build.

Each incremental model keeps a watermark, the latest load time it has read, and an
incremental build selects the rows loaded after it (dbt_project/macros/row_increment.sql,
staging_increment.sql, fact_helpers.sql). The loader stamps every file later than every
stamp already in the warehouse (tests/ingestion: the stamp test), so "after" is enough:
the rows of the latest load already read are not selected again. They used to be (at
or after the watermark), and the products file, loaded last, left every invoice and
quote line at the watermark: one new payment converted every line again.

Here one new payment lands after a first build. What each model's next build would
replace is its compiled select (dbt compiles `is_incremental()` as the build would),
run before that build: the new payment, and no other row.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from foundation.settings import Settings
from ingestion.loader import load_landing
from tests.dbt_runs import run_dbt

NEW_PAYMENT = "PAY-SCOPE-NEW"
FACTS = ("fct_payments", "fct_invoice_lines", "fct_quote_lines")
# Model -> its key column; the payments' models select the new payment, the others nothing.
STAGED = {"stg_payments": "payment_id", "stg_invoice_lines": "invoice_line_id",
          "stg_quote_lines": "quote_line_id"}  # fmt: skip
CONVERTED = {
    "int_payments_converted_to_usd": "payment_id",
    "int_invoice_lines_converted_to_usd": "invoice_line_id",
    "int_quote_lines_converted_to_usd": "quote_line_id",
}
FACT_KEYS = {"fct_payments": "payment_id", "fct_invoice_lines": "invoice_line_id",
             "fct_quote_lines": "quote_line_id"}  # fmt: skip


def _land_a_new_payment(landing: Path) -> None:
    """payments/zz-scope.csv: the first payment of the latest file, under a new id."""
    latest = sorted((landing / "payments").glob("*.csv"))[-1]
    with latest.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        row = next(r for r in reader if r["is_deleted"].lower() in ("", "false"))
        header = reader.fieldnames
    with (landing / "payments" / "zz-scope.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerow({**row, "payment_id": NEW_PAYMENT})


def _dbt(warehouse: Path, target: Path, *args: str) -> None:
    done = run_dbt(list(args), warehouse, target)
    assert done.returncode == 0, done.stdout[-3000:]


def _selected(warehouse: Path, target: Path, models: dict[str, str]) -> dict[str, set[str]]:
    """The keys each model's next build would select: `dbt compile`, then its select run."""
    _dbt(warehouse, target, "compile", "--quiet", "--select", *models)
    selected = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for model, key in models.items():
            (sql,) = target.glob(f"compiled/revops/dbt_project/models/**/{model}.sql")
            rows = con.execute(f"select {key} from (\n{sql.read_text()}\n) as selected")
            selected[model] = {k for (k,) in rows.fetchall()}
    return selected


def _expected(models: dict[str, str]) -> dict[str, set[str]]:
    return {m: {NEW_PAYMENT} if key == "payment_id" else set() for m, key in models.items()}


def test_an_incremental_build_selects_only_the_rows_loaded_after_it(
    tmp_path: Path, small_company: Path
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small_company, landing)
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    target = tmp_path / "target"
    load_landing(Settings(landing, warehouse))
    upstream_of_facts = [f"+{fact}" for fact in FACTS]
    _dbt(warehouse, target, "run", "--select", *upstream_of_facts)

    _land_a_new_payment(landing)
    load_landing(Settings(landing, warehouse))

    assert _selected(warehouse, target, STAGED) == _expected(STAGED)
    _dbt(warehouse, target, "run", "--select", "staging")
    assert _selected(warehouse, target, CONVERTED) == _expected(CONVERTED)
    _dbt(warehouse, target, "run", "--select", *upstream_of_facts,
         "--exclude", "staging", *FACTS)  # fmt: skip
    assert _selected(warehouse, target, FACT_KEYS) == _expected(FACT_KEYS)


def test_a_fact_takes_again_the_valid_rows_of_keys_once_excluded(
    tmp_path: Path, flawed_company: Path
) -> None:
    # A row made valid again by a later load (a flag resolved) may carry no new load time:
    # a fact selects the valid rows of the keys in int_records_once_excluded, and every
    # valid row missing from it while that table knows nothing of an earlier run.
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    target = tmp_path / "target"
    load_landing(Settings(flawed_company, warehouse))
    _dbt(warehouse, target, "run", "--select", "+fct_payments")
    with duckdb.connect(str(warehouse)) as con:
        (once_excluded,) = con.execute(
            "select count(*) from intermediate.int_records_once_excluded"
        ).fetchone()
        assert once_excluded > 0, "the flawed company excludes no row"
        first, second = (k for (k,) in con.execute(
            "select payment_id from marts.fct_payments order by payment_id limit 2"
        ).fetchall())  # fmt: skip
        # A warehouse built before int_records_once_excluded existed, whose last build
        # left out a row that is valid now.
        con.execute("drop table intermediate.int_records_once_excluded")
        con.execute("delete from marts.fct_payments where payment_id = ?", [first])
    _dbt(warehouse, target, "run", "--select", "int_records_once_excluded", "fct_payments")
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(
            "select count(*) from marts.fct_payments where payment_id = ?", [first]
        ).fetchone() == (1,)
        # Once it knows an earlier run, the keys it holds: a valid payment among them is
        # selected again, and no other row.
        con.execute(
            "insert into intermediate.int_records_once_excluded"
            " values ('payments', ?, timestamp '2000-01-01')",
            [second],
        )
    assert _selected(warehouse, target, {"fct_payments": "payment_id"}) == {
        "fct_payments": {second}
    }
