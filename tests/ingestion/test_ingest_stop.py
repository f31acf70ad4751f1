"""A stop signal while files load (SIGTERM or Ctrl-C during `revops run`'s ingest): the
files being loaded finish, each whole, and the files still queued wait for the next run,
instead of the whole landing folder loading before the stop takes effect."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from foundation.settings import Settings
from ingestion.audit import reconcile
from ingestion.loader import load_landing
from tests.ingestion.ingest_helpers import query, write_csv
from tests.ingestion.test_ingest_loader import ACCOUNT_HEADER, account_row

FILES = 60


class _InterruptAfterTheFirstFile(logging.Handler):
    """Sends this process SIGINT when the loader logs its first loaded file (the log
    line comes from a worker thread; Python runs the handler in the main thread)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.sent = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.sent and "rows loaded" in record.getMessage():
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)


@contextmanager
def _interrupt_after_the_first_file() -> Iterator[_InterruptAfterTheFirstFile]:
    logger = logging.getLogger("ingestion.loader")
    handler, level = _InterruptAfterTheFirstFile(), logger.level
    # Python's own SIGINT handler (KeyboardInterrupt), even when started with SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        signal.signal(signal.SIGINT, previous)


def test_a_stop_while_files_load_leaves_the_queued_files_whole_for_the_next_run(
    landing: Path, warehouse: Path
):
    for number in range(FILES):
        rows = [account_row(f"acc_{number:03}")]
        write_csv(landing / "accounts" / f"batch_{number:03}.csv", ACCOUNT_HEADER, rows)
    settings = Settings(landing, warehouse)

    with _interrupt_after_the_first_file() as interrupt, pytest.raises(KeyboardInterrupt):
        load_landing(settings, ["accounts"])

    assert interrupt.sent
    [(recorded,)] = query(warehouse, "select count(*) from audit.load_files")
    # The first file and those already started on the other threads, not all of them:
    # without dropping the queued files, all 60 load before the stop.
    assert recorded >= 1
    assert recorded < FILES // 2, f"{recorded} of {FILES} files loaded after the stop"
    assert reconcile(settings) == []
    [(rows,)] = query(warehouse, "select count(*) from raw.accounts")
    assert rows == recorded

    load_landing(settings, ["accounts"])

    assert query(warehouse, "select count(*), count(distinct account_id) from raw.accounts") == [
        (FILES, FILES)
    ]
    assert reconcile(settings) == []
