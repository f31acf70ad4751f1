"""Forecast submissions of the hand-computed company (metrics_company.py), worked out by hand.

`LANDING` holds the rows written into the landing folder beside the company's
other entities; the expected forecast numbers of the marts (the reps' commit and
its accuracy, the pipeline forecast and its accuracy) live here too, with the
arithmetic in comments.
"""

from __future__ import annotations

LANDING: dict[str, list[dict[str, object]]] = {}
