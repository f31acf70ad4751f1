"""Paths and values reach SQL only quoted (`foundation.duck.quote_ident` / `quote_literal`,
or on Postgres and Spark the engine client's `quote` and Spark's `sql_string`) or as bound
parameters: a static check of every f-string SQL in the Python rooms, and the
loader and the publisher run on a landing folder and a warehouse whose paths hold quotes,
a semicolon, spaces, unicode and a leading dash."""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

from expectations.duckdb_datasource import duckdb_url
from foundation.settings import PROJECT_ROOT, Settings
from ingestion.audit import reconcile
from ingestion.loader import load_landing
from serving.publish import publish
from tests.ingestion.ingest_helpers import query, write_csv
from tests.ingestion.test_ingest_loader import ACCOUNT_HEADER, account_row
from tests.reliability.results import record

ROOMS = ("ingestion", "serving", "expectations", "orchestration", "revops", "foundation", "ml")

# An f-string is SQL when its text starts like a statement or reads a file or a table.
SQL_TEXT = re.compile(
    r"^\s*\(?\s*(select|with|insert|create|alter|drop|attach|detach|copy|describe|set|pragma|"
    r"delete|update|checkpoint)\b"
    r"|\bselect\b[\s\S]*\bfrom\b|\b(read_csv|read_json|read_parquet)\s*\(|\binsert\s+into\b",
    re.IGNORECASE,
)
# The ONE quoting helper per engine, and wrappers that return only its output:
# foundation/duck.py for DuckDB; each engine client's `quote` for identifiers (DuckDB's is
# quote_ident); Spark SQL's string literal, foundation/engines/spark_client.py.
QUOTING = {
    "quote_ident",
    "quote_literal",
    "quote",  # EngineClient.quote: postgres_client.py, spark_client.py, duckdb_client.py
    "sql_string",  # spark_client.py: a Spark SQL string literal
    "_columns_sql",  # postgres/spark clients: quote(column name) + sql_type(...) per column
    "raw_table",  # ingestion/audit.py: raw.<quote_ident(entity)>
    "text_ident",  # ingestion/validation.py: quote_ident("__v_" + name)
}
# Calls whose result is SQL the code wrote, whatever their arguments.
SQL_CODE = {
    "int",  # digits only (a LIMIT)
    "sql_type",  # foundation/engines: a type name from the fixed Arrow -> SQL mapping
}

# Reviewed interpolations that are neither quoted nor constants, per (file, function):
# why each is safe, and the exact expressions reviewed (a new one fails the test).
CONTRACT_SQL = (
    "SQL generated from the contract registry (foundation/contract): entity, model and key "
    "names are code, never data from a file or a path"
)
FRAGMENTS = "a SQL fragment built in the same module from quoted names or contract SQL"
ALLOWED: dict[tuple[str, str], tuple[str, set[str]]] = {
    ("ingestion/audit.py", "ensure_tables"): (
        "column definitions: quote_ident(contract name) + contract type",
        {"', '.join(cols)"},
    ),
    ("ingestion/loader.py", "_write"): (
        "`sources` joins quote_ident/text_ident names; code/column/reason are reason_sql's "
        "CASE expressions over quote_literal'd contract texts",
        {"sources", "code", "column", "reason"},
    ),
    ("ingestion/readers.py", "source_sql"): (
        "_json_format returns one of two SQL literals",
        {"_json_format(file)"},
    ),
    ("ingestion/readers.py", "read_columns"): (
        "_json_format returns one of two SQL literals",
        {"_json_format(file)"},
    ),
    ("ingestion/readers.py", "_describe"): (
        "`relation` is read_parquet/read_json over quote_literal(path), from read_columns",
        {"relation"},
    ),
    ("ingestion/validation.py", "stage_sql"): (
        FRAGMENTS + " (quote_ident'd columns, contract defects; source_sql from readers)",
        {"', '.join(inner)", "source_sql", "case", "parsed", "', '.join(outer)", "checked"},
    ),
    ("expectations/audit.py", "record_results"): (
        "AUDIT_COLUMNS is a module constant: names and types are code",
        {"columns", "name"},
    ),
    ("expectations/suites/marts.py", "_excluded"): (CONTRACT_SQL, {"key_expression"}),
    ("expectations/suites/marts.py", "_fact_keys"): (CONTRACT_SQL, {"key"}),
    ("expectations/suites/marts.py", "staged_keys_in_fact_query"): (
        CONTRACT_SQL,
        {
            "_fact_keys(', '.join(keys))",
            "select_list('staged', keys)",
            "ent.staging_model",
            "_same_key('fact_keys', 'staged', keys, indent=16)",
            "not_excluded",
        },
    ),
    ("expectations/suites/marts.py", "fact_keys_staged_query"): (
        CONTRACT_SQL,
        {
            "_fact_keys(', '.join(keys))",
            "columns",
            "problem",
            "ent.staging_model",
            "_same_key('staged', 'fact_keys', keys, indent=12)",
            "first",
            "excluded",
        },
    ),
    ("expectations/suites/marts.py", "_staged_leads_in_spine"): (
        CONTRACT_SQL,
        {"leads.staging_model", "_excluded(leads, 'staged.lead_id')"},
    ),
    ("expectations/suites/marts.py", "funnel_total_query"): (
        CONTRACT_SQL,
        {"_staged_leads_in_spine()"},
    ),
    ("expectations/suites/marts.py", "funnel_cells_query"): (
        CONTRACT_SQL,
        {"_staged_leads_in_spine()"},
    ),
    ("expectations/suites/marts.py", "account_360_accounts_query"): (
        CONTRACT_SQL,
        {"accounts.staging_model"},
    ),
    ("expectations/suites/raw.py", "columns_typed_query"): (CONTRACT_SQL, {"values"}),
    ("expectations/suites/raw.py", "nulls_query"): (CONTRACT_SQL, {"named", "any_null"}),
    ("expectations/suites/staging.py", "staged_keys_in_raw_query"): (
        CONTRACT_SQL,
        {
            "', '.join(staged_key)",
            "select_list('staged_keys', staged_key)",
            "ent.name",
            "same_key('raw_rows', 'staged_keys', _key_pairs(ent))",
        },
    ),
    ("expectations/suites/staging.py", "raw_keys_in_staging_query"): (
        CONTRACT_SQL,
        {
            "missing_columns",
            "', '.join((staged for staged, _ in staged_pairs))",
            "same_key('staged_keys', 'raw_rows', staged_pairs, indent=16)",
            "keys",
            "ent.name",
        },
    ),
    ("expectations/datasources.py", "rows"): (
        "the expectation's own unexpected-rows query (a generated suite), read on GX's "
        "connection (SQLAlchemy or Spark)",
        {"query"},
    ),
    ("foundation/engines/duckdb_client.py", "ensure_table"): (
        "DuckDB's own rendering of a column type (`describe` of the Arrow data)",
        {"types[name]"},
    ),
    ("foundation/engines/postgres_client.py", "fetch_arrow"): (
        "the caller's query, wrapped; `selects` are _read_type's quote(column name), "
        "cast to numeric(p, s) of integers",
        {"sql", "', '.join(selects)"},
    ),
    ("foundation/engines/spark_client.py", "fetch_arrow"): (
        "the caller's query, wrapped (over Thrift, written as Parquet)",
        {"sql"},
    ),
    ("serving/publish.py", "_write_version"): (
        "_WarehouseMarts.source is quote_ident(warehouse.marts.<table>), _EngineMarts.source "
        "the constant view name",
        {"source"},
    ),
    ("revops/kpi.py", "read_latest_kpis"): (
        "KPI_COLUMNS is a module constant: column names are code",
        {"columns"},
    ),
}


def _safe(expr: ast.expr, assigned: dict[str, list[ast.expr]], depth: int = 0) -> bool:
    """Whether `expr` can only be SQL text the code wrote: a constant, an UPPER_CASE module
    constant, a quoting helper's result, or a join / f-string / local variable of those."""
    if depth > 8:
        return False
    again = lambda e: _safe(e, assigned, depth + 1)  # noqa: E731
    match expr:
        case ast.Constant():
            return True
        case ast.Name(id=name):
            values = assigned.get(name)
            return name.isupper() or (bool(values) and all(map(again, values)))
        case ast.Subscript(value=ast.Name(id=name)) if name.isupper():
            return True
        case ast.Call(func=ast.Name(id=name) | ast.Attribute(attr=name)) if name in QUOTING:
            return True
        case ast.Call(func=ast.Name(id=name)) if name in SQL_CODE:
            return True
        case ast.Attribute(value=ast.Name(id="self"), attr=name) if name.isupper():
            return True
        case ast.Call(func=ast.Attribute(value=ast.Constant(), attr="join"), args=[items]):
            return again(items)
        case ast.ListComp(elt=elt) | ast.GeneratorExp(elt=elt):
            return again(elt)
        case ast.List(elts=elts) | ast.Tuple(elts=elts):
            return all(map(again, elts))
        case ast.JoinedStr(values=values):
            return all(again(v.value) for v in values if isinstance(v, ast.FormattedValue))
        case ast.BinOp(op=ast.Add(), left=left, right=right):
            return again(left) and again(right)
        case ast.IfExp(body=body, orelse=orelse):
            return again(body) and again(orelse)
    return False


def _assignments(function: ast.AST) -> dict[str, list[ast.expr]]:
    """Every value given to each local name in `function` (a loop variable: unknown)."""
    out: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        match node:
            case ast.Assign(targets=targets, value=value):
                for target in targets:
                    if isinstance(target, ast.Name):
                        out.setdefault(target.id, []).append(value)
            case ast.AnnAssign(target=ast.Name(id=name), value=value) if value is not None:
                out.setdefault(name, []).append(value)
            case ast.AugAssign(target=ast.Name(id=name), value=value):
                out.setdefault(name, []).append(value)
            case ast.NamedExpr(target=ast.Name(id=name), value=value):
                out.setdefault(name, []).append(value)
            case ast.For(target=ast.Name(id=name)) | ast.comprehension(target=ast.Name(id=name)):
                out.setdefault(name, []).append(ast.Name(id="?"))
            case ast.Call(
                func=ast.Attribute(value=ast.Name(id=name), attr="append" | "extend"), args=args
            ):
                out.setdefault(name, []).extend(args)
    return out


def unquoted_sql_interpolations(source: str) -> Iterator[tuple[str, int, str]]:
    """(function, line, expression) of each interpolation into f-string SQL in `source`
    that `_safe` cannot prove was written by the code or quoted."""
    tree = ast.parse(source)
    owner: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                owner[id(node)] = function  # the innermost function wins (walked last)
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        if not SQL_TEXT.search(text):
            continue
        function = owner.get(id(node))
        assigned = _assignments(function) if function else {}
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and not _safe(value.value, assigned):
                name = function.name if function else "<module>"
                yield name, node.lineno, ast.unparse(value.value)


def test_every_f_string_sql_quotes_what_it_interpolates(request) -> None:
    found: dict[tuple[str, str], set[str]] = {}
    where: dict[tuple[str, str, str], int] = {}
    for room in ROOMS:
        for path in sorted((PROJECT_ROOT / room).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            for function, line, expression in unquoted_sql_interpolations(path.read_text()):
                found.setdefault((relative, function), set()).add(expression)
                where[(relative, function, expression)] = line
    unreviewed = [
        f"{file}:{where[(file, function, expression)]} ({function}): {{{expression}}}"
        for (file, function), expressions in sorted(found.items())
        for expression in sorted(expressions - ALLOWED.get((file, function), ("", set()))[1])
    ]
    assert unreviewed == [], (
        "f-string SQL interpolates a value that is not quoted: pass it as a parameter, wrap "
        "it in quote_ident/quote_literal, or review it into ALLOWED with the reason"
    )
    stale = [key for key, (_, reviewed) in ALLOWED.items() if not reviewed <= found.get(key, set())]
    assert stale == [], "ALLOWED names interpolations that no longer exist: remove them"
    record(
        request.node.nodeid,
        "Static check: every f-string SQL in the Python rooms interpolates only quoted names, "
        "constants or reviewed contract SQL.",
        {"rooms": len(ROOMS), "reviewed exceptions": sum(len(v[1]) for v in ALLOWED.values())},
    )


def test_the_static_check_sees_an_unquoted_path() -> None:
    """The check can fail: a path pasted into SQL is reported; quoted, it is not."""
    source = (
        "def load(con, path, name):\n"
        "    con.execute(f\"select * from read_csv('{path}')\")\n"
        "    con.execute(f'select * from read_csv({quote_literal(str(path))})')\n"
        "    table = quote_ident(name)\n"
        "    con.execute(f'drop table {table}')\n"
        "    con.execute(f'insert into t select {name}')\n"
    )
    assert list(unquoted_sql_interpolations(source)) == [
        ("load", 2, "path"),
        ("load", 6, "name"),
    ]


# Quotes, a semicolon, spaces, unicode, a leading dash, and what URLs and shells read
# specially (`#`, `%20`, `@`, `$`). (`?` is left out: DuckDB itself cannot open a database
# whose path holds one; it puts the WAL at the `?`.)
HOSTILE_DIR = '-it\'s "a"; -dir ü #%20@$x'
INJECTION_NAME = "x'); drop table raw.accounts; --.csv"


def test_load_and_publish_with_hostile_paths_inject_nothing(tmp_path: Path, request) -> None:
    base = tmp_path / HOSTILE_DIR
    landing = base / "-landing 'q' \"d\"; ü"
    warehouse = base / "-wh; 'x' \"y\" ü" / "revops.duckdb"
    names = [INJECTION_NAME, '-rf it\'s "q"; ü.csv', "a b;c.csv", "--help.csv"]
    for i, name in enumerate(names):
        write_csv(landing / "accounts" / name, ACCOUNT_HEADER, [account_row(f"acc_{i}")])
    drop_column = 'name"); drop table raw.accounts; --'
    write_csv(
        landing / "accounts" / "z_drift.csv",
        [*ACCOUNT_HEADER, drop_column],
        [[*account_row("acc_9"), "'; drop table audit.load_files; --"]],
    )
    settings = Settings(landing, warehouse, threads=1)

    results = load_landing(settings, ["accounts"])

    assert (results[0].files_loaded, results[0].files_rejected) == (5, 0)
    assert reconcile(settings) == []
    loaded = query(warehouse, "select _file_name, account_id from raw.accounts order by 2")
    assert loaded == [(f"accounts/{name}", f"acc_{i}") for i, name in enumerate(names)] + [
        ("accounts/z_drift.csv", "acc_9")
    ]
    assert query(
        warehouse,
        f'select "{drop_column.replace(chr(34), chr(34) * 2)}" from raw.accounts '
        "where account_id = 'acc_9'",
    ) == [("'; drop table audit.load_files; --",)]
    # Publish the (tiny) marts from the hostile warehouse path into the hostile folder.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_account as select account_id from raw.accounts")
    published = publish(settings)
    assert published.tables == {"dim_account": 5}
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_account").fetchone() == (5,)
    parquet = settings.parquet_dir / "dim_account.parquet"
    assert duckdb.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone() == (5,)
    # The tables the names tried to drop are all there, and nothing else was written.
    tables = query(
        warehouse,
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'audit') and table_name in ('accounts', 'load_files')",
    )
    assert sorted(tables) == [("audit.load_files",), ("raw.accounts",)]
    # Publishing writes a version under .published and links serving.duckdb and parquet to it.
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [
        ".published",
        "parquet",
        "revops.duckdb",
        "serving.duckdb",
    ]
    versions = sorted(p.name for p in (warehouse.parent / ".published").iterdir())
    assert len(versions) == 2 and versions[0] == "current" and versions[1].startswith("v")
    # GX opens the warehouse through a SQLAlchemy URL: the path must come back unchanged.
    engine = sqlalchemy.create_engine(duckdb_url(warehouse), connect_args={"read_only": True})
    with engine.connect() as con:
        path = con.exec_driver_sql(
            "select path from duckdb_databases() where database_name = current_database()"
        ).scalar_one()
    engine.dispose()
    assert path == str(warehouse.resolve())
    shutil.rmtree(base)
    record(
        request.node.nodeid,
        "The loader, the publisher and GX's connection on a landing folder and a warehouse "
        "whose paths hold quotes, a semicolon, spaces, unicode, a leading dash, #, %20 and @; "
        "file and column names that try to drop tables.",
        {"files loaded": 5, "rows lost": 0, "tables dropped": 0},
    )


@pytest.mark.parametrize("path", ['/a/it\'s "x"; ü/r.duckdb', "/a/#b/%20c/@d/r.duckdb"])
def test_the_gx_url_keeps_the_path(path: str) -> None:
    assert sqlalchemy.make_url(duckdb_url(Path(path))).database == path
