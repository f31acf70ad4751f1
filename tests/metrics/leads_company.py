"""Leads and activities of the hand-computed company (metrics_company.py), worked out by hand.

`LANDING` holds the rows written into the landing folder beside the company's
other entities; the expected numbers for the lead and activity columns of the
marts live here too, with the arithmetic in comments.
"""

from __future__ import annotations

LANDING: dict[str, list[dict[str, object]]] = {}
