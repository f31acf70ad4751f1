"""Loading the landing folder into `raw.<entity>`, with quarantine and an audit trail.

Hash every file's bytes; skip a file whose hash was loaded or rejected before
(or that repeats an earlier file, in name order). Then, per new file: read it
once with DuckDB's own reader as text columns and validate every row in one SQL
pass (`ingestion.validation`) into a temp table; then, in one transaction,
append the good rows to `raw.<entity>` with lineage, the invalid rows to
`audit.quarantine`, and one row to `audit.load_files`. A crash in the middle of
a file leaves nothing of it behind, and the next run loads it whole.

Files load a few at a time (`Settings.threads`, each on its own cursor and in its
own transaction): a small file keeps only one core busy, and concurrent appends
to one DuckDB table do not conflict. Drift columns are added before loading
starts, since a table cannot be altered while another transaction appends to it.

A file that cannot be loaded (missing required column, bad encoding, malformed
CSV, unreadable) is recorded as `rejected` with a message naming the file and
line; the other files still load. Errors that stop the whole run raise
`LoadError` with a one-line message.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from foundation.contract import (
    ENTITIES,
    ENTITY_BY_NAME,
    FILE_LOADED,
    FILE_REJECTED,
    LINEAGE_COLUMNS,
    Entity,
)
from foundation.duck import connect, quote_ident
from foundation.settings import Settings
from ingestion.audit import (
    ensure_tables,
    raw_columns,
    raw_table,
    reconcile_connection,
)
from ingestion.audit import reconcile as reconcile
from ingestion.readers import (
    FileRejected,
    LandingFile,
    content_hash,
    landing_files,
    read_columns,
    source_sql,
)
from ingestion.validation import reason_sql, stage_sql

log = logging.getLogger(__name__)

STAGE = "_ingest_stage"
MAX_MESSAGE = 2000
CHECKPOINT_THRESHOLD = "1GB"

# DuckDB errors that mean the warehouse itself is broken, not the file.
_FATAL = (duckdb.FatalException, duckdb.InternalException, duckdb.OutOfMemoryException)

__all__ = [
    "EntityLoadResult",
    "FileLoadResult",
    "LoadError",
    "WarehouseLocked",
    "check_reconciled",
    "load_entity",
    "load_landing",
    "reconcile",
]


class LoadError(Exception):
    """A load that cannot go on (warehouse locked, landing folder missing, counts broken)."""


class WarehouseLocked(LoadError, duckdb.IOException):
    """Another process holds the warehouse's write lock; retrying later may succeed.

    Also a `duckdb.IOException`, so callers that retry DuckDB lock errors keep working.
    """


@dataclass
class FileLoadResult:
    file_name: str
    status: str  # loaded | rejected | skipped
    rows_in_file: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    drift_columns: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class EntityLoadResult:
    entity: str
    batch_id: str = ""
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    rows_in_files: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    drift_columns: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    files: list[FileLoadResult] = field(default_factory=list)
    duration_seconds: float = 0.0

    def add(self, result: FileLoadResult) -> None:
        self.files.append(result)
        if result.status == "skipped":
            self.files_skipped += 1
            return
        if result.status == FILE_REJECTED:
            self.files_rejected += 1
            self.messages.append(result.message)
            return
        self.files_loaded += 1
        self.rows_in_files += result.rows_in_file
        self.rows_loaded += result.rows_loaded
        self.rows_quarantined += result.rows_quarantined
        for col in result.drift_columns:
            if col not in self.drift_columns:
                self.drift_columns.append(col)
        if result.message:
            self.messages.append(result.message)

    def as_metadata(self) -> dict[str, int | str | float]:
        """Plain values for Dagster metadata."""
        return {
            "entity": self.entity,
            "batch_id": self.batch_id,
            "files_seen": self.files_seen,
            "files_loaded": self.files_loaded,
            "files_skipped": self.files_skipped,
            "files_rejected": self.files_rejected,
            "rows_in_files": self.rows_in_files,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "drift_columns": ", ".join(self.drift_columns),
            "messages": "\n".join(self.messages),
            "duration_seconds": round(self.duration_seconds, 3),
        }


def new_batch_id() -> str:
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """DuckDB's multi-line error text on one line, without its 'possible fixes' advice."""
    kept: list[str] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            continue
        if line.lower().startswith(("possible solution", "possible fixes", "* ")):
            continue
        if re.match(
            r"^(file|delimiter|quote|escape|new_line|header|skip_rows|comment|"
            r"strict_mode|date_format|timestamp_format|null_padding|sample_size|"
            r"ignore_errors|all_varchar) = ",
            line,
        ):
            continue
        kept.append(line)
    joined = " | ".join(kept)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def _open(settings: Settings) -> duckdb.DuckDBPyConnection:
    warehouse = settings.warehouse
    try:
        con = connect(warehouse, settings)
    except duckdb.Error as exc:
        message = f"cannot open warehouse {warehouse}: {one_line(str(exc), 400)}"
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise WarehouseLocked(message) from exc
        raise LoadError(message) from exc
    _session(con)
    # Many small files commit small appends that go through the WAL; checkpointing
    # after each one would rewrite the tables' last row groups again and again.
    # One checkpoint at the end of the load writes them once.
    con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    return con


def _session(con: duckdb.DuckDBPyConnection) -> None:
    """Per-connection settings: timestamps without a zone are UTC; no DuckDB progress bar
    on stdout (the loader reports progress itself)."""
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")


def _resolve(entities: Iterable[str] | None) -> list[Entity]:
    if entities is None:
        return list(ENTITIES)
    out = []
    for name in entities:
        if name not in ENTITY_BY_NAME:
            known = ", ".join(ENTITY_BY_NAME)
            raise LoadError(f"unknown entity {name!r}; the contract knows: {known}")
        out.append(ENTITY_BY_NAME[name])
    return out


def load_landing(
    settings: Settings,
    entities: Iterable[str] | None = None,
    *,
    batch_id: str | None = None,
    progress: bool = False,
) -> list[EntityLoadResult]:
    """Load every entity folder of `settings.landing` (or only `entities`) into its warehouse."""
    warehouse, landing = settings.warehouse, settings.landing
    chosen = _resolve(entities)
    _check_landing(landing)
    batch_id = batch_id or new_batch_id()
    con = _open(settings)
    try:
        ensure_tables(con, chosen)
        with _progress(progress) as bar:
            results = _load_all(con, landing, chosen, batch_id, bar, _workers(settings))
        try:
            con.execute("checkpoint")
        except duckdb.Error as exc:  # everything is committed; closing checkpoints too
            log.warning("checkpoint after the load failed: %s", one_line(str(exc), 400))
        return results
    except duckdb.Error as exc:
        raise LoadError(f"load into {warehouse} failed: {one_line(str(exc), 400)}") from exc
    finally:
        con.close()


def load_entity(
    settings: Settings,
    entity: str,
    *,
    batch_id: str | None = None,
    progress: bool = False,
) -> EntityLoadResult:
    """Load the files of one entity folder of `settings.landing` into `raw.<entity>`."""
    return load_landing(settings, [entity], batch_id=batch_id, progress=progress)[0]


def _check_landing(landing: Path) -> None:
    if not landing.exists():
        raise LoadError(f"landing folder {landing} does not exist")
    if not landing.is_dir():
        raise LoadError(f"landing folder {landing} is not a folder")


def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import Progress

    return Progress(transient=False)


def _known_files(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[dict[str, str], set[str]]:
    """Content hashes recorded in audit.load_files (hash -> a file name), and the file names."""
    rows = con.execute(
        "select content_hash, file_name from audit.load_files where entity = ?", [entity]
    ).fetchall()
    return {h: f for h, f in rows}, {f for _, f in rows}


def _workers(settings: Settings) -> int:
    """Files loaded at once: each file is its own statement and transaction, and a small
    file keeps one core busy, so two at a time use a two-core machine fully."""
    return max(1, min(settings.threads, 4))


# (digest, why the file is skipped or None to load it)
Decision = tuple[str, str | None]


def _load_all(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    entities: list[Entity],
    batch_id: str,
    bar,
    workers: int,
) -> list[EntityLoadResult]:
    """Load the new files of every entity, several files at once, each in its own transaction.

    A file is skipped when its content hash was recorded before or an earlier file
    of the entity (in name order) has the same hash. A file with a name seen
    before is hashed before anything else; a file with a new name is read while
    it is hashed (the common case: a new file), and dropped if it turns out to be
    a copy.
    """
    started = time.perf_counter()
    results: dict[str, EntityLoadResult] = {}
    listed: list[tuple[Entity, LandingFile]] = []
    tasks = {}
    for entity in entities:
        result = results[entity.name] = EntityLoadResult(entity=entity.name, batch_id=batch_id)
        files, ignored = landing_files(landing, entity.name)
        for name in ignored:
            result.messages.append(
                f"{name}: ignored, not a contract format (csv, csv.gz, parquet, jsonl, json)"
            )
        result.files_seen = len(files)
        listed += [(entity, f) for f in files]
        if bar is not None:
            tasks[entity.name] = bar.add_task(f"load {entity.name}", total=len(files))

    known = {e.name: _known_files(con, e.name) for e in entities}
    outcome: dict[str, FileLoadResult] = {}
    with ThreadPoolExecutor(workers) as hasher:
        digest_of = {f.name: hasher.submit(content_hash, f.path) for _, f in listed}
        earlier: dict[str, list[str]] = {}
        for entity, file in listed:
            earlier.setdefault(entity.name, []).append(file.name)

        def decide(entity: Entity, file: LandingFile) -> Decision:
            digest = digest_of[file.name].result()
            before = known[entity.name][0].get(digest)
            if before is not None:
                return digest, f"same content as {before}, already recorded"
            for name in earlier[entity.name]:
                if name == file.name:
                    break
                if digest_of[name].result() == digest:
                    return digest, f"same content as {name}"
            return digest, None

        todo: list[tuple[Entity, LandingFile]] = []
        for entity, file in listed:
            if file.name not in known[entity.name][1]:
                todo.append((entity, file))  # a new name: decided after it is read
                continue
            _, skip = decide(entity, file)
            if skip is not None:
                log.debug("%s: skipped, %s", file.name, skip)
                outcome[file.name] = FileLoadResult(file.name, "skipped", message=skip)
                if bar is not None:
                    bar.advance(tasks[entity.name])
                continue
            results[entity.name].messages.append(
                f"{file.name}: changed since it was loaded (landed files should be immutable); "
                "loaded again as a new file"
            )
            todo.append((entity, file))

        _add_drift_columns(con, todo)
        local = threading.local()
        cursors: list[duckdb.DuckDBPyConnection] = []
        lock = threading.Lock()

        def run(item: tuple[Entity, LandingFile]) -> FileLoadResult:
            entity, file = item
            cur = getattr(local, "cursor", None)
            if cur is None:
                cur = local.cursor = con.cursor()
                _session(cur)
                with lock:
                    cursors.append(cur)
            try:
                file_result = _load_file(cur, entity, file, lambda: decide(entity, file), batch_id)
            except duckdb.Error as exc:
                raise LoadError(f"{file.name}: {one_line(str(exc), 400)}") from exc
            log.info(
                "%s: %s, %d rows loaded, %d quarantined%s",
                file.name,
                file_result.status,
                file_result.rows_loaded,
                file_result.rows_quarantined,
                f" ({file_result.message})" if file_result.message else "",
            )
            if bar is not None:
                bar.advance(tasks[entity.name])
            return file_result

        # Largest files first, so the last ones to finish are small.
        todo.sort(key=lambda item: -item[1].path.stat().st_size)
        try:
            with ThreadPoolExecutor(workers) as pool:
                futures = [(item[1].name, pool.submit(run, item)) for item in todo]
                errors = []
                for name, future in futures:
                    try:
                        outcome[name] = future.result()
                    except LoadError as exc:
                        errors.append(exc)
                if errors:
                    raise errors[0]
        finally:
            for cur in cursors:
                cur.close()

    elapsed = time.perf_counter() - started
    for entity, file in listed:
        results[entity.name].add(outcome[file.name])
    for result in results.values():
        result.duration_seconds = elapsed
    return [results[e.name] for e in entities]


def _add_drift_columns(
    con: duckdb.DuckDBPyConnection, todo: list[tuple[Entity, LandingFile]]
) -> None:
    """Add the new files' extra columns to raw before loading (files load concurrently, and a
    table cannot be altered while another transaction appends to it)."""
    for entity, file in todo:
        try:
            mapping = _file_columns(entity, file, read_columns(con, file))
        except (FileRejected, duckdb.Error):
            continue  # the file is rejected when it is loaded
        existing = set(raw_columns(con, entity))
        for name in mapping.values():
            if name not in existing and name not in entity.column_names:
                con.execute(
                    f"alter table {raw_table(entity)} add column {quote_ident(name)} varchar"
                )


def _file_columns(entity: Entity, file: LandingFile, columns: list[str]) -> dict[str, str]:
    """Map the file's columns to staged names; reject on duplicates or missing required columns."""
    mapping: dict[str, str] = {}
    lineage = set(LINEAGE_COLUMNS)
    for original in columns:
        staged = original.strip().lower()
        if not staged:
            raise FileRejected(f"{file.name}: line 1: a column has an empty name")
        if staged in mapping.values():
            raise FileRejected(f"{file.name}: line 1: column {original!r} appears twice")
        if staged in lineage:
            raise FileRejected(
                f"{file.name}: line 1: column {original!r} clashes with the loader's lineage "
                "column of the same name"
            )
        mapping[original] = staged
    present = set(mapping.values())
    missing = [c for c in entity.required_columns if c not in present]
    if missing:
        raise FileRejected(
            f"{file.name}: line 1: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (the file has: {', '.join(columns)})"
        )
    return mapping


def _load_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    file: LandingFile,
    decide: Callable[[], Decision],
    batch_id: str,
) -> FileLoadResult:
    """Read, validate and write one file; `decide` gives its hash and whether to skip it."""
    started = time.perf_counter()
    loaded_at = datetime.now(UTC)
    size = file.path.stat().st_size
    try:
        try:
            # Read and validate into a temp table first (outside the transaction,
            # so its rowid is the 0-based row number; temp tables never reach the
            # warehouse file). Then one transaction writes raw, quarantine and audit.
            mapping, staged = _stage(con, entity, file)
            staged_at = time.perf_counter()
            digest, skip = decide()
            if skip is not None:
                return FileLoadResult(file.name, "skipped", message=skip)
            log.debug(
                "%s: staged %d rows in %.3fs, writing", file.name, staged, staged_at - started
            )
            con.begin()
            try:
                result = _write(con, entity, file, mapping, staged, batch_id, loaded_at)
                _record(con, entity, file, digest, size, batch_id, loaded_at, result, started)
                written_at = time.perf_counter()
                con.commit()
                log.debug(
                    "%s: written in %.3fs, committed in %.3fs",
                    file.name,
                    written_at - staged_at,
                    time.perf_counter() - written_at,
                )
            except BaseException:
                _rollback(con)
                raise
            return result
        finally:
            con.execute(f"drop table if exists temp.{STAGE}")
    except FileRejected as exc:
        message = str(exc)
    except _FATAL as exc:
        raise LoadError(f"{file.name}: the warehouse failed: {one_line(str(exc), 400)}") from None
    except duckdb.Error as exc:
        message = f"{file.name}: {one_line(str(exc))}"
    digest, skip = decide()
    if skip is not None:
        return FileLoadResult(file.name, "skipped", message=skip)
    rejected = FileLoadResult(file.name, FILE_REJECTED, message=message)
    con.begin()
    _record(con, entity, file, digest, size, batch_id, loaded_at, rejected, started)
    con.commit()
    return rejected


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.Error:
        log.exception("rollback failed")


def _stage(
    con: duckdb.DuckDBPyConnection, entity: Entity, file: LandingFile
) -> tuple[dict[str, str], int]:
    """Read the file once into the temp stage table with its first defect per row.

    Returns the map of file columns to staged names and the number of rows read.
    """
    columns = read_columns(con, file)
    mapping = _file_columns(entity, file, columns)
    con.execute(f"drop table if exists temp.{STAGE}")
    con.execute(
        f"create temp table {STAGE} as " + stage_sql(entity, source_sql(file, columns), mapping)
    )
    staged = con.execute(f"select count(*) from {STAGE}").fetchone()[0]
    return mapping, staged


def _write(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    file: LandingFile,
    mapping: dict[str, str],
    rows_in_file: int,
    batch_id: str,
    loaded_at: datetime,
) -> FileLoadResult:
    """Append the staged file's good rows to raw and its invalid rows to quarantine."""
    contract = set(entity.column_names)
    drift = [s for s in mapping.values() if s not in contract]
    table = raw_table(entity)
    existing = set(raw_columns(con, entity))
    for name in drift:
        if name not in existing:
            con.execute(f"alter table {table} add column {quote_ident(name)} varchar")

    # The stage already holds the contract columns typed and the drift columns as text.
    targets = ", ".join(quote_ident(c) for c in [*entity.column_names, *drift])
    lineage = ", ".join(quote_ident(n) for n in LINEAGE_COLUMNS)
    loaded = con.execute(
        f"insert into {table} ({targets}, {lineage}) "
        f"select {targets}, ?, rowid + 1, ?, ? from {STAGE} where _defect is null",
        [file.name, loaded_at, batch_id],
    ).fetchone()[0]

    code, column, reason = reason_sql(entity)
    quarantined = con.execute(
        "insert into audit.quarantine (entity, file_name, row_number, reason_code, column_name, "
        "reason, record, batch_id, quarantined_at) "
        f"select ?, ?, rowid + 1, {code}, {column}, {reason}, _record, ?, ? "
        f"from {STAGE} where _defect is not null",
        [entity.name, file.name, batch_id, loaded_at],
    ).fetchone()[0]

    if rows_in_file != loaded + quarantined:
        raise LoadError(
            f"{file.name}: counts do not reconcile: {rows_in_file} rows in file != "
            f"{loaded} loaded + {quarantined} quarantined"
        )
    message = f"schema drift: extra columns {', '.join(drift)} kept as text" if drift else ""
    return FileLoadResult(file.name, FILE_LOADED, rows_in_file, loaded, quarantined, drift, message)


def _record(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    file: LandingFile,
    digest: str,
    size: int,
    batch_id: str,
    loaded_at: datetime,
    result: FileLoadResult,
    started: float,
) -> None:
    con.execute(
        "insert into audit.load_files (entity, file_name, content_hash, file_format, file_size, "
        "rows_in_file, rows_loaded, rows_quarantined, drift_columns, status, message, batch_id, "
        "loaded_at, duration_seconds) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entity.name,
            file.name,
            digest,
            file.format,
            size,
            result.rows_in_file if result.status == FILE_LOADED else None,
            result.rows_loaded,
            result.rows_quarantined,
            ", ".join(result.drift_columns) or None,
            result.status,
            result.message or None,
            batch_id,
            loaded_at,
            time.perf_counter() - started,
        ],
    )


def check_reconciled(con: duckdb.DuckDBPyConnection) -> None:
    """Raise LoadError when any loaded file's counts do not reconcile."""
    problems = reconcile_connection(con)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LoadError(f"counts do not reconcile: {problems[0]}{more}")
