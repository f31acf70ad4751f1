"""The production dbt arguments and the one-line account of a failed build."""

from __future__ import annotations

import json

from foundation.settings import PostgresSettings, Settings
from orchestration.dbt.args import (
    broken_rules,
    build_args,
    dbt_vars,
    failed_column_rules,
    failed_nodes,
    failure_account,
    target_args,
    unreported_nodes,
)


def test_build_args_leave_out_unit_tests_and_carry_the_run_settings_and_knobs(tmp_path):
    settings = Settings(
        landing=tmp_path / "landing", warehouse=tmp_path / "wh" / "w.duckdb", threads=3
    )
    args = build_args(settings, as_of="2025-06-30", full_refresh=True)
    assert args[0] == "build"
    assert args[args.index("--target") + 1] == "duckdb"
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
    # dbt.log without the SQL of every statement (10% of a small build's time).
    assert args[args.index("--log-level-file") + 1] == "info"
    assert json.loads(args[args.index("--vars") + 1]) == {
        "revops_warehouse": str(tmp_path / "wh" / "w.duckdb"),
        "revops_threads": 3,
        "revops_memory_limit": "8GB",
        "as_of": "2025-06-30",
    }
    assert args[-1] == "--full-refresh"
    default = build_args(settings)
    assert "--full-refresh" not in default
    # The same vars as the parse (`prepare_manifest`) when no as-of date is given,
    # so that dbt keeps the parsed manifest instead of parsing again.
    assert json.loads(default[default.index("--vars") + 1]) == dbt_vars(settings)
    assert dbt_vars(settings)["as_of"] == ""


def test_failed_nodes_names_each_failing_node_with_the_first_line_of_its_message():
    # The shape of dbt's run_results.json (only the fields read).
    run_results = {
        "results": [
            {"unique_id": "model.revops.dim_date", "status": "success", "message": "OK"},
            {
                "unique_id": "model.revops.fct_invoices",
                "status": "error",
                "message": "Compilation Error in model fct_invoices\n  contract failed",
            },
            {"unique_id": "test.revops.unique_x.abc", "status": "fail", "message": "Got 3 results"},
            {"unique_id": "test.revops.warned.def", "status": "warn", "message": "Got 1 result"},
        ]
    }
    assert failed_nodes(run_results) == (
        "dbt build failed: model.revops.fct_invoices: Compilation Error in model fct_invoices;"
        " test.revops.unique_x.abc: Got 3 results"
    )


def test_a_failed_column_rules_test_is_named_with_its_broken_rules():
    run_results = {
        "results": [
            {
                "unique_id": "test.revops.column_rules_stg_payments.1a",
                "status": "fail",
                "message": "Got 3 results, configured to fail if != 0",
                "compiled_code": "select 'not_null(amount)' as broken_rule, 2 as failures",
            },
            {
                "unique_id": "test.revops.column_rules_stg_quotes.2b",
                "status": "pass",
                "compiled_code": "select 1",
            },
            {"unique_id": "test.revops.unique_x.abc", "status": "fail", "message": "Got 1 result"},
        ]
    }
    queries = failed_column_rules(run_results)
    assert queries == {
        "test.revops.column_rules_stg_payments.1a": (
            "select 'not_null(amount)' as broken_rule, 2 as failures"
        )
    }
    rows = [
        {"broken_rule": "not_null(amount)", "failures": 2},
        {"broken_rule": "accepted_values(payment_status)", "failures": 1},
    ]
    broken = {"test.revops.column_rules_stg_payments.1a": broken_rules(rows)}
    assert failed_nodes(run_results, broken) == (
        "dbt build failed: test.revops.column_rules_stg_payments.1a: Got 3 results, configured"
        " to fail if != 0 (broken: accepted_values(payment_status) x1, not_null(amount) x2);"
        " test.revops.unique_x.abc: Got 1 result"
    )
    assert broken_rules([]) == ""


def test_the_account_reads_the_broken_rules_from_the_engine_and_says_when_it_cannot(tmp_path):
    settings = Settings(landing=tmp_path, warehouse=tmp_path / "w.duckdb")
    run_results = {
        "results": [
            {
                "unique_id": "test.revops.column_rules_stg_b.2",
                "status": "fail",
                "message": "Got 1 result",
                "compiled_code": "select * from staging.stg_b_gone",
            },
            {
                "unique_id": "test.revops.column_rules_stg_a.1",
                "status": "fail",
                "message": "Got 5 results",
                "compiled_code": "select * from (values ('unique(id)', 2), ('not_null(x)', 3))"
                " as t(broken_rule, failures)",
            },
        ]
    }
    account = failure_account(run_results, settings)
    # The first query fails (its table is gone); the second is still read.
    assert account.startswith(
        "dbt build failed: test.revops.column_rules_stg_b.2: Got 1 result (its broken rules"
        " could not be read: "
    ), account
    assert "stg_b_gone" in account
    assert account.endswith(
        "; test.revops.column_rules_stg_a.1: Got 5 results (broken: not_null(x) x3, unique(id) x2)"
    ), account


def test_failed_nodes_without_a_failing_node_points_at_the_log():
    assert "see the dbt log" in failed_nodes({"results": []})


def test_the_engine_is_the_dbt_target_with_its_connection_in_the_vars(tmp_path):
    settings = Settings(
        landing=tmp_path,
        warehouse=tmp_path / "w.duckdb",
        engine="postgres",
        postgres=PostgresSettings(host="db", port=6543, user="etl", database="dw", password="pw"),
    )
    args = build_args(settings)
    assert args[args.index("--target") + 1] == "postgres"
    passed = json.loads(args[args.index("--vars") + 1])
    assert {k: passed[k] for k in passed if k.startswith("revops_pg")} == {
        "revops_pg_host": "db",
        "revops_pg_port": 6543,
        "revops_pg_user": "etl",
        "revops_pg_database": "dw",
    }
    assert "pw" not in json.dumps(args)
    # `dbt parse` (prepare_manifest) gets the same target and vars as the build.
    assert target_args(settings) == ["--target", "postgres", "--vars", json.dumps(passed)]


def test_unreported_nodes_are_the_built_models_and_seeds_dagster_never_heard_of():
    run_results = {
        "results": [
            {"unique_id": "model.revops.stg_accounts", "status": "success"},
            {"unique_id": "model.revops.int_account_features_monthly", "status": "success"},
            {"unique_id": "seed.revops.reason_codes", "status": "success"},
            {"unique_id": "model.revops.fct_invoices", "status": "error"},  # failed: not built
            {"unique_id": "test.revops.unique_x.abc", "status": "pass"},  # tests are checks
        ]
    }
    reported = {"model.revops.stg_accounts"}
    assert unreported_nodes(run_results, reported) == [
        "model.revops.int_account_features_monthly",
        "seed.revops.reason_codes",
    ]
    everything = reported | {
        "model.revops.int_account_features_monthly",
        "seed.revops.reason_codes",
    }
    assert unreported_nodes(run_results, everything) == []
