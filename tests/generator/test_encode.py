"""The generator's value formatting (`generator/encode.py`), value by value.

The generated-file tests cover the usual values; these pin the edges a run seldom
or never reaches (a day outside the prepared table, an id wider than its width)
and the rule that a run does not import pandas.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest

from generator.encode import NULL, UNPARSEABLE, Encoder

DAY = 86400
JAN_1_2023 = 19358  # days from 1970-01-01: 53 years of 365 days + 13 leap days (1972..2020)


@pytest.fixture
def enc() -> Encoder:
    return Encoder(epoch_day=JAN_1_2023, fmt="csv", id_width=6)


def test_timestamps_are_iso_utc_text(enc):
    secs = np.array(
        [
            0,
            59 * DAY + 13 * 3600 + 5 * 60 + 9,  # Jan 31 + Feb 28 days later: March 1st
            424 * DAY + 86399,  # 365 + 31 + 28 days later: 2024 is a leap year
            NULL,
            UNPARSEABLE,
        ]
    )
    assert enc.ts(secs).to_pylist() == [
        "2023-01-01T00:00:00Z",
        "2023-03-01T13:05:09Z",
        "2024-02-29T23:59:59Z",
        None,
        "31/02/2024 25:61",
    ]


def test_timestamps_outside_the_prepared_days_are_still_right(enc):
    # -19358 days is 1970-01-01, far before the table around the run's first day
    secs = np.array([-JAN_1_2023 * DAY + 3600, 0])
    assert enc.ts(secs).to_pylist() == ["1970-01-01T01:00:00Z", "2023-01-01T00:00:00Z"]


def test_ids_are_zero_padded_and_wider_values_are_kept_whole(enc):
    g, seq = np.array([42, 123456]), np.array([3, 17])
    assert enc.quote_id(g, seq).to_pylist() == ["Q000042-003", "Q123456-017"]
    assert enc.account_id(g, null=np.array([False, True])).to_pylist() == ["A000042", None]
    # width 0: not padded; a value wider than its width (bad rows' 900000+) is not cut
    assert enc.ident("Q", (g, 6), (seq, 3), (np.array([1, 12]), 0)).to_pylist() == [
        "Q000042-003-1",
        "Q123456-017-12",
    ]
    assert enc.quote_id(np.array([7]), np.array([900001])).to_pylist() == ["Q000007-900001"]
    wide = Encoder(epoch_day=JAN_1_2023, fmt="csv", id_width=9)  # 9 digits: groups 1 + 4 + 4
    assert wide.invoice_id(np.array([102030405]), np.array([6]), prefix="INV-")[0].as_py() == (
        "INV-102030405-0006"
    )


def test_numbers_dates_and_enums(enc):
    assert Encoder.dec(np.array([-1050, 7, NULL])).to_pylist() == [
        Decimal("-10.50"),
        Decimal("0.07"),
        None,
    ]
    assert Encoder.int(np.array([5, NULL])).to_pylist() == [5, None]
    assert [str(d) if d else d for d in enc.date(np.array([31, NULL])).to_pylist()] == [
        "2023-02-01",
        None,
    ]
    assert Encoder.enum(np.array([1, -1, NULL, 0]), ("a", "bb")).to_pylist() == [
        "bb",
        None,
        None,
        "a",
    ]
    assert Encoder.bool(np.array([True, False])).to_pylist() == [True, False]


def test_a_run_does_not_import_pandas(tmp_path):
    # pyarrow imports pandas for pa.array()/pa.scalar() on Python values: seconds of a
    # run when bytecode is not cached. The encoder builds arrays from NumPy buffers.
    code = (
        "import sys\n"
        "from generator import generate\n"
        "generate(sys.argv[1], accounts=40, months=6, bad_rows=0.2, progress=False)\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
