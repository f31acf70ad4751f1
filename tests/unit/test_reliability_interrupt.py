"""Ctrl-C stops `make reliability` whole: the Makefile starts the SIGTERM campaign in the
background (`&`), where a shell ignores SIGINT for it; the reliability tests' conftest
takes SIGINT back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_a_reliability_run_started_in_the_background_takes_sigint_back() -> None:
    code = (
        "import signal; from tests.reliability.conftest import pytest_configure; "
        "ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN; "
        "pytest_configure(None); "
        "print(ignored, signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    )
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -c "{code}" & wait $!'],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # as started by the Makefile: SIGINT ignored; after the conftest: KeyboardInterrupt
    assert done.stdout.split() == ["True", "True"]
