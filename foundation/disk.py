"""A full disk, told in one line: what could not be written, on which filesystem, how much
is free.

DuckDB reports a full disk as an I/O error whose text ends in the system's
"No space left on device"; Python as an `OSError` with `errno.ENOSPC`. Either
way the loader and the publisher stop the run with `disk_full_message`'s line
instead of treating the error as a bad landing file or a bad mart.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_DISK_FULL_TEXTS = ("no space left on device", "disk quota exceeded")
# The file DuckDB names in its I/O errors: `Could not write file "<path>": ...`, its quotes
# escaped when the error is wrapped in JSON (`Async write failed ...: {..."file \"<path>\""}`).
_DUCKDB_FILE = re.compile(r'file "([^"]+)"')


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` (an OSError or a DuckDB error) says the disk or the quota is full."""
    if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
        return True
    text = str(error).lower()
    return any(marker in text for marker in _DISK_FULL_TEXTS)


def disk_full_message(error: BaseException, writing: Path) -> str | None:
    """One line naming the file that could not be written, its filesystem and the space
    left there, when `error` is a full disk (else None). `writing` is the file or folder
    being written, used when the error names no file."""
    if not is_disk_full(error):
        return None
    target = writing
    if isinstance(error, OSError) and error.filename:
        target = Path(os.fsdecode(error.filename))
    elif match := _DUCKDB_FILE.search(str(error).replace('\\"', '"')):
        target = Path(match.group(1))
    return (
        f"no space left on device: could not write {target} ({filesystem_space(target)}); "
        "free some space and run again"
    )


def filesystem_space(path: Path) -> str:
    """`filesystem <mount point>: <free> MB free of <size> MB` for the filesystem of `path`."""
    folder = Path(os.path.abspath(path))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    mount = folder
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    usage = shutil.disk_usage(folder)
    return f"filesystem {mount}: {usage.free / 1e6:.1f} MB free of {usage.total / 1e6:.1f} MB"
