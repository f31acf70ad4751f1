"""The Spark engine: a local SparkSession, or a Spark Thrift server over PyHive.

Both methods share one folder (`Settings.spark_dir`, REVOPS_SPARK_DIR): Spark's
warehouse dir and its Derby metastore (foundation.engines.spark_conf), and the
Parquet files this client writes. Data go in as Parquet written by pyarrow and
registered as tables with `CREATE TABLE ... USING parquet LOCATION`, never
through the JVM's row converters:

- `write_arrow`: `<dir>/external/<schema>/<table>/<write id>/part-0.parquet`, an
  external table on that folder (a replacement is a new folder; the old one is
  deleted once the table points at the new one). An append to an existing table
  is an `INSERT INTO ... SELECT` from a file in `<dir>/incoming/`, deleted after.
- `ensure_table` / `replace_batch` (the raw layer): an external table
  partitioned by its batch column, one folder and file per batch,
  `<dir>/external/<schema>/<table>/<batch column>=<batch id>/part-0.parquet`,
  registered as that partition. A batch is written once; shipped again (after a
  crash), its file is replaced whole by a rename, never appended to.

Reads: a session hands the result over as Arrow (`DataFrame.toArrow`); over
Thrift the server writes the result as Parquet into `<dir>/exports/` and
pyarrow reads it, so types (decimals, dates, timestamps) come through exactly.
Thrift therefore needs the folder at the same path on the server (the same
machine, or a shared mount).

Embedded Derby lets one JVM hold the metastore at a time: a session is opened
for one step and its JVM stopped at `close`, before dbt opens its own.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.dataset as pa_dataset
import pyarrow.parquet as pq

from foundation.engines import EngineError, engine_error, record_batches, sql_type
from foundation.engines.spark_conf import RUNTIME_CONF, spark_conf
from foundation.settings import Settings

PART_FILE = "part-0.parquet"
DERBY_LOCKED = "Another instance of Derby may have already booted the database"

# Characters Hive and Spark escape (%XX) in a partition folder name.
_PATH_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^") | {chr(code) for code in range(1, 32)}


def escape_path_name(value: str) -> str:
    """A partition value as Spark writes it in a folder name (`a/b` -> `a%2Fb`)."""
    return "".join(f"%{ord(char):02X}" if char in _PATH_ESCAPED else char for char in value)


def sql_string(value: str) -> str:
    """A Spark SQL string literal (backslash escapes are on by default)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _is_text_or_null(kind: pa.DataType) -> bool:
    """A text type other than plain string (large, view), or the null type."""
    view = getattr(pa.types, "is_string_view", lambda _: False)
    return pa.types.is_large_string(kind) or pa.types.is_null(kind) or view(kind)


def _parquet_ready(data: pa.Schema) -> pa.Schema:
    """The schema Spark reads back as declared: timestamps in microseconds, text as string."""
    fields = []
    for field in data:
        kind = field.type
        if pa.types.is_timestamp(kind):
            kind = pa.timestamp("us", tz=kind.tz)
        elif _is_text_or_null(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind))
    return pa.schema(fields)


def _write_parquet(path: Path, data: pa.Table | pa.RecordBatchReader, drop: str = "") -> int:
    """`data` (less the column `drop`) as one Parquet file at `path`, written under a hidden
    name (Spark skips names starting with a dot) and renamed into place. Returns its rows."""
    source = data.schema
    if drop:
        source = pa.schema([field for field in source if field.name != drop])
    target = _parquet_ready(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = path.with_name(f".{path.name}.tmp")
    rows = 0
    try:
        with pq.ParquetWriter(hidden, target, compression="zstd") as writer:
            for batch in record_batches(data):
                if drop:
                    batch = batch.drop_columns([drop])
                writer.write_batch(batch.cast(target))
                rows += batch.num_rows
        hidden.replace(path)
    except BaseException:
        hidden.unlink(missing_ok=True)
        raise
    return rows


class _Sql(Protocol):
    """How SQL reaches Spark: in a session, or over Thrift."""

    def execute(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def fetch_arrow(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


class SparkClient:
    name = "spark"

    def __init__(self, settings: Settings, sql: _Sql) -> None:
        self._dir = settings.spark_dir.resolve()
        self._sql = sql

    # --- the EngineClient interface -------------------------------------------------

    def execute(self, sql: str) -> None:
        self._sql.execute(sql)

    def fetch_arrow(self, sql: str) -> pa.Table:
        return self._sql.fetch_arrow(sql)

    def write_arrow(self, schema: str, table: str, data: pa.Table, *, replace: bool = True) -> None:
        target = self.quote(schema, table)
        if not replace and table in self.tables(schema):
            incoming = self._dir / "incoming" / uuid.uuid4().hex
            try:
                _write_parquet(incoming / PART_FILE, data)
                columns = ", ".join(self.quote(name) for name in data.schema.names)
                self.execute(
                    f"insert into {target} ({columns}) select {columns} "
                    f"from parquet.{self.quote(str(incoming / PART_FILE))}"
                )
            finally:
                shutil.rmtree(incoming, ignore_errors=True)
            return
        home = self._table_dir(schema, table)
        folder = home / uuid.uuid4().hex
        _write_parquet(folder / PART_FILE, data)
        self.execute(f"create database if not exists {self.quote(schema)}")
        self.execute(f"drop table if exists {target}")
        self.execute(
            f"create table {target} ({self._columns_sql(_parquet_ready(data.schema))}) "
            f"using parquet location {sql_string(str(folder))}"
        )
        for old in home.iterdir():
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)

    def tables(self, schema: str) -> list[str]:
        if not self._schema_exists(schema):
            return []
        quoted = self.quote(schema)
        tables = {row[1] for row in self._sql.rows(f"show tables in {quoted}") if not row[2]}
        views = {row[1] for row in self._sql.rows(f"show views in {quoted}")}
        return sorted(tables - views)

    def ensure_table(
        self, schema: str, table: str, columns: pa.Schema, *, batch_column: str
    ) -> bool:
        target = self.quote(schema, table)
        columns = _parquet_ready(columns)
        if table not in self.tables(schema):
            self.execute(f"create database if not exists {self.quote(schema)}")
            self.execute(
                f"create table {target} ({self._columns_sql(columns)}) using parquet "
                f"partitioned by ({self.quote(batch_column)}) "
                f"location {sql_string(str(self._table_dir(schema, table)))}"
            )
            return True
        existing = set()
        for row in self._sql.rows(f"describe table {target}"):
            if not row[0] or row[0].startswith("#"):
                break  # the partition information follows the columns
            existing.add(row[0])
        missing = [field for field in columns if field.name not in existing]
        if missing:
            self.execute(
                f"alter table {target} add columns ({self._columns_sql(pa.schema(missing))})"
            )
        return False

    def replace_batch(
        self,
        schema: str,
        table: str,
        batch_column: str,
        batch_id: str,
        data: pa.RecordBatchReader,
    ) -> int:
        target = self.quote(schema, table)
        folder = self._table_dir(schema, table) / (f"{batch_column}={escape_path_name(batch_id)}")
        rows = _write_parquet(
            folder / PART_FILE, _only_batch(data, batch_column, batch_id), drop=batch_column
        )
        partition = f"{self.quote(batch_column)} = {sql_string(batch_id)}"
        self.execute(
            f"alter table {target} add if not exists partition ({partition}) "
            f"location {sql_string(str(folder))}"
        )
        self.execute(f"refresh table {target}")
        return rows

    def refresh_statistics(self, schema: str, table: str) -> None:
        return None  # Spark plans without table statistics unless asked (CBO off)

    def quote(self, *parts: str) -> str:
        return ".".join("`" + part.replace("`", "``") + "`" for part in parts)

    def close(self) -> None:
        self._sql.close()

    # --- helpers ------------------------------------------------------------------------

    def _table_dir(self, schema: str, table: str) -> Path:
        return self._dir / "external" / schema / table

    def _schema_exists(self, schema: str) -> bool:
        return any(row[0] == schema for row in self._sql.rows("show databases"))

    def _columns_sql(self, schema: pa.Schema) -> str:
        return ", ".join(
            f"{self.quote(field.name)} {sql_type('spark', field.type, field.name)}"
            for field in schema
        )


def _only_batch(
    data: pa.RecordBatchReader, batch_column: str, batch_id: str
) -> pa.RecordBatchReader:
    """`data`, checked batch by batch to hold only rows of `batch_id`."""
    import pyarrow.compute as pc

    def checked():
        for batch in record_batches(data):
            values = batch.column(batch_column)
            if batch.num_rows and not pc.all(pc.equal(values, batch_id)).as_py():
                raise EngineError(f"spark: rows of another batch than {batch_id} were given for it")
            yield batch

    return pa.RecordBatchReader.from_batches(data.schema, checked())


def open_spark(settings: Settings) -> SparkClient:
    """A client of the Spark engine of `settings`: a session, or a Thrift connection."""
    sql: _Sql = _Thrift(settings) if settings.spark.method == "thrift" else _Session(settings)
    return SparkClient(settings, sql)


def _spark_error(where: str, error: BaseException | str) -> EngineError:
    if DERBY_LOCKED in str(error):
        return EngineError(
            f"{where}: the Derby metastore is held by another Spark JVM (a dbt run or another "
            "session); one at a time can use it"
        )
    return engine_error(where, error)


class _Session:
    """A local SparkSession with Hive support, opened for this client and stopped (JVM and
    all, releasing the Derby metastore) at close."""

    def __init__(self, settings: Settings) -> None:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        self._where = settings.engine_where
        if SparkContext._active_spark_context is not None:
            raise EngineError(f"{self._where}: a Spark session is already open in this process")
        settings.spark_dir.mkdir(parents=True, exist_ok=True)
        builder = SparkSession.builder.appName("revops").enableHiveSupport()
        for key, value in spark_conf(settings).items():
            builder = builder.config(key, value)
        try:
            self._spark = builder.getOrCreate()
        except Exception as error:
            stop_jvm()
            raise _spark_error(self._where, error) from None

    def execute(self, sql: str) -> None:
        self._run(lambda: self._spark.sql(sql))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._run(lambda: [tuple(row) for row in self._spark.sql(sql).collect()])

    def fetch_arrow(self, sql: str) -> pa.Table:
        return self._run(lambda: self._spark.sql(sql).toArrow())

    def _run(self, work: Any) -> Any:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        try:
            return work()
        except (PySparkException, Py4JError) as error:
            raise _spark_error(self._where, error) from None

    def close(self) -> None:
        try:
            self._spark.stop()
        finally:
            stop_jvm()


def stop_jvm() -> None:
    """End pyspark's JVM in this process (its gateway exits when its stdin closes) and
    forget it, so that the next session starts a new one and the embedded Derby
    metastore is released now: a stopped SparkSession leaves it booted in the JVM, and
    dbt's process (or the next step's session) could not open it."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    SparkContext._gateway = None
    SparkContext._jvm = None
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=60)
        except Exception:
            process.kill()
            process.wait(timeout=10)


class _Thrift:
    """SQL over PyHive to a Spark Thrift server; query results come back as Parquet files
    the server writes into `<spark dir>/exports/`."""

    def __init__(self, settings: Settings) -> None:
        from pyhive import hive

        self._where = settings.engine_where
        self._exports = settings.spark_dir.resolve() / "exports"
        try:
            self._con = hive.connect(
                host=settings.spark.host,
                port=settings.spark.port,
                username="revops",
                configuration=dict(RUNTIME_CONF),
            )
        except Exception as error:
            raise _spark_error(self._where, _thrift_reason(error)) from None

    def execute(self, sql: str) -> None:
        self._run(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._run(sql, fetch=True)

    def fetch_arrow(self, sql: str) -> pa.Table:
        folder = self._exports / uuid.uuid4().hex
        try:
            self._run(f"insert overwrite directory {sql_string(str(folder))} using parquet {sql}")
            table = pa_dataset.dataset(folder, format="parquet").to_table()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        # Nullability is not part of what a query returns on the other engines.
        return table.cast(pa.schema([field.with_nullable(True) for field in table.schema]))

    def _run(self, sql: str, fetch: bool = False) -> Any:
        cursor = self._con.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall() if fetch else None
        except Exception as error:
            raise _spark_error(self._where, _thrift_reason(error)) from None
        finally:
            cursor.close()

    def close(self) -> None:
        self._con.close()


def _thrift_reason(error: BaseException) -> BaseException | str:
    """The server's message inside PyHive's wrapper (its errorMessage), else the error."""
    response = error.args[0] if error.args else None
    status = getattr(response, "status", None)
    message = getattr(status, "errorMessage", None)
    if message:
        return message.replace("org.apache.hive.service.cli.HiveSQLException: ", "").replace(
            "Error running query: ", ""
        )
    return error
