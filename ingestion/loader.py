"""Loading the landing folder into `raw.<entity>`, with quarantine and an audit trail.

Hash every file's bytes; skip a file whose hash was loaded or rejected before
(or that repeats an earlier file, in name order); a file with a name loaded
before but new bytes loads again, with a warning. Then, per file to load: read
it once with DuckDB's own reader as text columns and validate every row in one
SQL pass (`ingestion.validation`) into a temp table; then, in one transaction,
append the good rows to `raw.<entity>` with lineage, the invalid rows to
`audit.quarantine`, and one row to `audit.load_files`. A crash in the middle of
a file leaves nothing of it behind, and the next run loads it whole.

Files load a few at a time (`Settings.threads`, at most four), largest first,
each on its own cursor and in its own transaction: a small file keeps only one
core busy, and concurrent appends to one DuckDB table do not conflict. Drift
columns are added before loading starts, since a table cannot be altered while
another transaction appends to it.

A file that cannot be loaded (missing required column, bad encoding, malformed
CSV, unreadable, outside the landing folder, a decompression bomb) is recorded
as `rejected` with a message naming the file and line; the other files still
load. Errors that stop the whole run raise `LoadError` with a one-line message;
a full disk raises `DiskFull`, never a rejection (the file loads whole on the
run after space is freed).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import duckdb

from foundation.contract import (
    ENTITIES,
    ENTITY_BY_NAME,
    FILE_LOADED,
    FILE_REJECTED,
    LINEAGE_COLUMNS,
    Entity,
)
from foundation.disk import disk_full_message
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
    check_expansion,
    content_hash,
    landing_files,
    read_columns,
    source_sql,
)
from ingestion.validation import reason_sql, stage_sql, text_ident

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

log = logging.getLogger(__name__)

STAGE = "_ingest_stage"
MAX_MESSAGE = 2000
MAX_QUOTED_LINE = 200
CHECKPOINT_THRESHOLD = "1GB"

# DuckDB errors that mean the warehouse itself is broken, not the file.
_FATAL = (duckdb.FatalException, duckdb.InternalException, duckdb.OutOfMemoryException)

__all__ = [
    "DiskFull",
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


class DiskFull(LoadError):
    """The warehouse's disk is full; the message names the file, the filesystem and the
    space left. Nothing of the file being loaded was committed."""


def _raise_if_disk_full(exc: BaseException, warehouse: Path) -> None:
    message = disk_full_message(exc, warehouse)
    if message is not None:
        raise DiskFull(message) from None


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
    """DuckDB's multi-line error text on one line, without its 'possible fixes' advice and
    the SQL it echoes; an original line quoted from the file is cut to `MAX_QUOTED_LINE`
    characters, so that the reason after it (e.g. a line too long) is kept."""
    kept: list[str] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            continue
        if line.lower().startswith(("possible solution", "possible fixes", "* ")):
            continue
        if re.match(r"^(LINE \d+:|\^+$)", line):  # the statement echoed, and its caret
            continue
        if line.startswith("Original Line: ") and len(line) > MAX_QUOTED_LINE:
            line = line[:MAX_QUOTED_LINE] + "..."
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
        with _progress_bar(progress) as bar:
            results = _load_entities(con, landing, chosen, batch_id, bar, _workers(settings))
        try:
            con.execute("checkpoint")
        except duckdb.Error as exc:  # everything is committed; closing checkpoints too
            log.warning("checkpoint after the load failed: %s", one_line(str(exc), 400))
        return results
    except duckdb.Error as exc:
        _raise_if_disk_full(exc, warehouse)
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


def _progress_bar(enabled: bool) -> AbstractContextManager[Progress | None]:
    """A rich progress display for the run when `enabled`, else a context holding None."""
    if not enabled:
        return nullcontext(None)
    from rich.progress import Progress

    return Progress(transient=False)


def _workers(settings: Settings) -> int:
    """Files loaded at once: each file is its own statement and transaction, and a small
    file keeps one core busy, so two at a time use a two-core machine fully."""
    return max(1, min(settings.threads, 4))


# A file of the landing folder with the contract entity it belongs to.
EntityFile = tuple[Entity, LandingFile]


class HashDecision(NamedTuple):
    """A file's content hash, and why the file is skipped (None: load it)."""

    digest: str
    skip_reason: str | None


def _load_entities(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    entities: list[Entity],
    batch_id: str,
    bar: Progress | None,
    workers: int,
) -> list[EntityLoadResult]:
    """Load the new files of every entity, several files at once, each in its own transaction;
    one result per entity, in the order of `entities`."""
    started = time.perf_counter()
    results_by_entity, listed = _list_files(landing, entities, batch_id)
    progress = _EntityProgress(bar, results_by_entity.values())
    with _threads(workers) as hasher:
        hashes = _ContentHashes(con, listed, hasher)
        to_load, file_results = _files_to_load(listed, hashes, results_by_entity, progress)
        _add_drift_columns(con, to_load)
        stamp = load_stamp(con)
        file_results |= _load_concurrently(con, to_load, hashes, batch_id, stamp, progress, workers)
    elapsed = time.perf_counter() - started
    for entity, file in listed:
        results_by_entity[entity.name].add(file_results[file.name])
    for result in results_by_entity.values():
        result.duration_seconds = elapsed
    return [results_by_entity[e.name] for e in entities]


@contextmanager
def _threads(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool that drops the work still queued when the block raises (a stop
    signal, SIGTERM or Ctrl-C, arrives in the main thread): the files being loaded
    finish, each in its transaction, and the others wait for the next run, instead of
    the whole landing folder loading before the stop."""
    pool = ThreadPoolExecutor(workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()


def _list_files(
    landing: Path, entities: list[Entity], batch_id: str
) -> tuple[dict[str, EntityLoadResult], list[EntityFile]]:
    """A result per entity (files seen, a message per file ignored for its format), and the
    entities' files, entity by entity, each entity's in name order."""
    results_by_entity: dict[str, EntityLoadResult] = {}
    listed: list[EntityFile] = []
    for entity in entities:
        result = results_by_entity[entity.name] = EntityLoadResult(entity.name, batch_id)
        files, ignored = landing_files(landing, entity.name)
        for name in ignored:
            result.messages.append(
                f"{name}: ignored, not a contract format (csv, csv.gz, parquet, jsonl, json)"
            )
        result.files_seen = len(files)
        listed += [(entity, file) for file in files]
    return results_by_entity, listed


class _EntityProgress:
    """One progress task per entity, advanced as each of its files is skipped or loaded
    (from any thread); does nothing without a bar."""

    def __init__(self, bar: Progress | None, results: Iterable[EntityLoadResult]) -> None:
        self._bar = bar
        self._task_of_entity: dict[str, TaskID] = {}
        if bar is not None:
            for result in results:
                task = bar.add_task(f"load {result.entity}", total=result.files_seen)
                self._task_of_entity[result.entity] = task

    def file_done(self, entity: Entity) -> None:
        if self._bar is not None:
            self._bar.advance(self._task_of_entity[entity.name])


class _ContentHashes:
    """Whether each listed file is skipped, decided by its content hash.

    Every file is hashed in the background (on `hasher`) from the start. A file
    is skipped when its hash was recorded in `audit.load_files` before, or when an
    earlier file of its entity (in name order) has the same hash.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, listed: list[EntityFile], hasher: ThreadPoolExecutor
    ) -> None:
        entity_names = list(dict.fromkeys(entity.name for entity, _ in listed))
        self._recorded_name_of_hash: dict[str, dict[str, str]] = {}
        self._recorded_names: dict[str, set[str]] = {}
        for entity_name in entity_names:
            rows = con.execute(
                "select content_hash, file_name from audit.load_files where entity = ?",
                [entity_name],
            ).fetchall()
            self._recorded_name_of_hash[entity_name] = dict(rows)
            self._recorded_names[entity_name] = {file_name for _, file_name in rows}
        self._digest_of: dict[str, Future[str]] = {
            file.name: hasher.submit(content_hash, file) for _, file in listed
        }
        self._names_in_order: dict[str, list[str]] = {name: [] for name in entity_names}
        for entity, file in listed:
            self._names_in_order[entity.name].append(file.name)

    def name_recorded(self, entity: Entity, file: LandingFile) -> bool:
        """Whether a file of this name was loaded or rejected before."""
        return file.name in self._recorded_names[entity.name]

    def decide(self, entity: Entity, file: LandingFile) -> HashDecision:
        """The file's hash and why it is skipped (waits for the hashes it needs)."""
        digest = self._digest_of[file.name].result()
        recorded_as = self._recorded_name_of_hash[entity.name].get(digest)
        if recorded_as is not None:
            return HashDecision(digest, f"same content as {recorded_as}, already recorded")
        for earlier in self._names_in_order[entity.name]:
            if earlier == file.name:
                break
            if self._digest_of[earlier].result() == digest:
                return HashDecision(digest, f"same content as {earlier}")
        return HashDecision(digest, None)


def _files_to_load(
    listed: list[EntityFile],
    hashes: _ContentHashes,
    results_by_entity: dict[str, EntityLoadResult],
    progress: _EntityProgress,
) -> tuple[list[EntityFile], dict[str, FileLoadResult]]:
    """The files to load (in listed order), and the results of the files skipped already.

    A file whose name was recorded before is decided by its hash now: skipped, or
    loaded again, with a warning in its entity's result, when its content
    changed. A file with a new name
    is read while it is hashed (the common case: a new file) and decided after it
    is read (`_load_file`), so it is always in the files to load.
    """
    to_load: list[EntityFile] = []
    skipped: dict[str, FileLoadResult] = {}
    for entity, file in listed:
        if not hashes.name_recorded(entity, file):
            to_load.append((entity, file))
            continue
        skip_reason = hashes.decide(entity, file).skip_reason
        if skip_reason is not None:
            log.debug("%s: skipped, %s", file.name, skip_reason)
            skipped[file.name] = FileLoadResult(file.name, "skipped", message=skip_reason)
            progress.file_done(entity)
            continue
        results_by_entity[entity.name].messages.append(
            f"{file.name}: changed since it was loaded (landed files should be immutable); "
            "loaded again as a new file"
        )
        to_load.append((entity, file))
    return to_load, skipped


class _CursorPool:
    """A cursor of `con` per thread, made on the thread's first file with the session
    settings; all of them closed when the pool is left."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._of_this_thread = threading.local()
        self._opened: list[duckdb.DuckDBPyConnection] = []
        self._opened_lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._of_this_thread, "cursor", None)
        if cursor is None:
            cursor = self._of_this_thread.cursor = self._con.cursor()
            _session(cursor)
            with self._opened_lock:
                self._opened.append(cursor)
        return cursor

    def __enter__(self) -> _CursorPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for cursor in self._opened:
            cursor.close()


def _load_concurrently(
    con: duckdb.DuckDBPyConnection,
    to_load: list[EntityFile],
    hashes: _ContentHashes,
    batch_id: str,
    stamp: Callable[[], datetime],
    progress: _EntityProgress,
    workers: int,
) -> dict[str, FileLoadResult]:
    """Load the files on `workers` threads, each on its own cursor; the result per file name.

    Largest files first, so the last ones to finish are small. Every file is
    waited for; then the first `LoadError`, in that order, is raised.
    """
    largest_first = sorted(to_load, key=lambda item: -item[1].size)
    file_results: dict[str, FileLoadResult] = {}
    errors: list[LoadError] = []
    warehouse = _database_path(con)
    with _CursorPool(con) as cursors, _threads(workers) as pool:
        load = partial(
            _load_on_cursor,
            cursors,
            hashes=hashes,
            batch_id=batch_id,
            stamp=stamp,
            progress=progress,
            warehouse=warehouse,
        )
        futures = {file.name: pool.submit(load, entity, file) for entity, file in largest_first}
        for file_name, future in futures.items():
            try:
                file_results[file_name] = future.result()
            except LoadError as exc:
                errors.append(exc)
    if errors:
        raise errors[0]
    return file_results


def _load_on_cursor(
    cursors: _CursorPool,
    entity: Entity,
    file: LandingFile,
    hashes: _ContentHashes,
    batch_id: str,
    stamp: Callable[[], datetime],
    progress: _EntityProgress,
    warehouse: Path,
) -> FileLoadResult:
    """Load one file on this thread's cursor, log its outcome and advance the progress."""
    cursor = cursors.cursor()
    decide = partial(hashes.decide, entity, file)
    try:
        result = _load_file(cursor, entity, file, decide, batch_id, stamp(), warehouse)
    except duckdb.Error as exc:
        _raise_if_disk_full(exc, warehouse)
        raise LoadError(f"{file.name}: {one_line(str(exc), 400)}") from exc
    log.info(
        "%s: %s, %d rows loaded, %d quarantined%s",
        file.name,
        result.status,
        result.rows_loaded,
        result.rows_quarantined,
        f" ({result.message})" if result.message else "",
    )
    progress.file_done(entity)
    return result


def _add_drift_columns(con: duckdb.DuckDBPyConnection, to_load: list[EntityFile]) -> None:
    """Add the new files' extra columns to raw before loading (files load concurrently, and a
    table cannot be altered while another transaction appends to it)."""
    for entity, file in to_load:
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
    decide: Callable[[], HashDecision],
    batch_id: str,
    loaded_at: datetime,
    warehouse: Path,
) -> FileLoadResult:
    """Read, validate and write one file into `warehouse` (`con`'s database), its rows
    stamped `loaded_at`; `decide` gives its hash and whether to skip it (called once the
    file is read, so that a new file is read while it is hashed)."""
    started = time.perf_counter()
    size = file.size
    try:
        try:
            # Read and validate into a temp table first (outside the transaction,
            # so its rowid is the 0-based row number; temp tables never reach the
            # warehouse file). Then one transaction writes raw, quarantine and audit.
            mapping, staged = _stage(con, entity, file)
            staged_at = time.perf_counter()
            digest, skip_reason = decide()
            if skip_reason is not None:
                return FileLoadResult(file.name, "skipped", message=skip_reason)
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
        _raise_if_disk_full(exc, warehouse)
        raise LoadError(f"{file.name}: the warehouse failed: {one_line(str(exc), 400)}") from None
    except duckdb.Error as exc:
        # A full disk (the warehouse, its WAL or DuckDB's temporary files) is not the file's
        # fault: stop the run, so that the file is not recorded as rejected and skipped.
        _raise_if_disk_full(exc, warehouse)
        message = f"{file.name}: {one_line(str(exc))}"
    digest, skip_reason = decide()
    if skip_reason is not None:
        return FileLoadResult(file.name, "skipped", message=skip_reason)
    rejected = FileLoadResult(file.name, FILE_REJECTED, message=message)
    con.begin()
    _record(con, entity, file, digest, size, batch_id, loaded_at, rejected, started)
    con.commit()
    return rejected


def load_stamp(con: duckdb.DuckDBPyConnection) -> Callable[[], datetime]:
    """The stamp of each file of this load (its rows' `_loaded_at`): the time the file starts
    loading, and always later than every stamp already in the warehouse (the latest of
    `audit.load_files`), even when the clock has gone back since. The incremental models
    rebuild what was loaded after their watermark, the latest stamp they have read
    (dbt_project/macros/row_increment.sql): a load stamped at or before it would be missed.
    """
    (latest,) = con.execute("select max(loaded_at) from audit.load_files").fetchone()
    floor = None if latest is None else latest + timedelta(microseconds=1)

    def stamp() -> datetime:
        now = datetime.now(UTC)
        return now if floor is None or now >= floor else floor

    return stamp


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction; a failed commit has already rolled it back."""
    try:
        con.rollback()
    except duckdb.Error as exc:
        if "no transaction is active" not in str(exc):
            log.warning("rollback failed: %s", one_line(str(exc), 400))


def _database_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The database file `con` writes (named when a full disk stops the load and DuckDB's
    error names no file)."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return Path(row[0] or ":memory:")


def _stage(
    con: duckdb.DuckDBPyConnection, entity: Entity, file: LandingFile
) -> tuple[dict[str, str], int]:
    """Read the file once into the temp stage table with its first defect per row.

    Returns the map of file columns to staged names and the number of rows read.
    """
    columns = read_columns(con, file)
    mapping = _file_columns(entity, file, columns)
    check_expansion(file)
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
    sources = ", ".join([*map(quote_ident, entity.column_names), *map(text_ident, drift)])
    lineage = ", ".join(quote_ident(n) for n in LINEAGE_COLUMNS)
    loaded = con.execute(
        f"insert into {table} ({targets}, {lineage}) "
        f"select {sources}, ?, rowid + 1, ?, ? from {STAGE} where _defect is null",
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
