"""A generated company landing in a seeded random order, with what production brings on top:
late versions of old invoices and quotes, deletes (of parents too: a quote, a product), FX
rates back-filled for a past month,
flagged rows resolved by a later file, and a month with no new data.

`plan_arrivals` turns a generated landing folder into a list of `Arrival`s, each the files
that land before one scheduled run and the run's as-of date. Every change is a new file
with a later `updated_at` (the contract's way to correct or delete a row); nothing that
landed is rewritten.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

AS_OF = "2024-12-31"
EMPTY_MONTH_AS_OF = "2025-01-31"  # the last run: one more month, nothing landed
Rows = list[dict[str, str]]


@dataclass
class Arrival:
    """Files (path under the landing -> rows) that land before one run."""

    as_of: str
    files: dict[str, Rows] = field(default_factory=dict)

    def write(self, landing: Path) -> None:
        for relative, rows in self.files.items():
            path = landing / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
                writer.writeheader()
                writer.writerows(rows)


def read_rows(path: Path) -> Rows:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _later(timestamp: str, days: int) -> str:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00")) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _latest(rows: Rows, key: str) -> dict[str, dict[str, str]]:
    """The latest version of each key (by updated_at)."""
    latest: dict[str, dict[str, str]] = {}
    for row in rows:
        if row[key] not in latest or row["updated_at"] >= latest[row[key]]["updated_at"]:
            latest[row[key]] = row
    return latest


def _entity_rows(files: dict[str, Rows], entity: str) -> Rows:
    return [row for path, rows in files.items() if path.startswith(f"{entity}/") for row in rows]


def _late_versions(files: dict[str, Rows], rng: random.Random) -> dict[str, Rows]:
    """Later versions of old rows: invoices due later, one-unit invoice lines (and their
    invoice's total) re-priced by 12.34, quotes handed to another rep; deletes of
    invoices, activities, a quote that has invoices and a product that has lines."""
    invoices = _latest(_entity_rows(files, "invoices"), "invoice_id")
    lines = _latest(_entity_rows(files, "invoice_lines"), "invoice_line_id")
    quotes = _latest(_entity_rows(files, "quotes"), "quote_id")
    activities = _latest(_entity_rows(files, "activities"), "activity_id")
    live = sorted(k for k, row in invoices.items() if row["is_deleted"] == "false")
    repriced = [
        line
        for _, line in sorted(lines.items())
        if line["quantity"] == "1" and line["invoice_id"] in live and line["is_deleted"] == "false"
    ]
    repriced = rng.sample(repriced, min(3, len(repriced)))
    touched = {line["invoice_id"] for line in repriced}
    due_later = rng.sample([k for k in live if k not in touched and invoices[k]["due_at"]], 3)
    deleted = rng.sample([k for k in live if k not in touched and k not in due_later], 2)
    out: dict[str, Rows] = {"invoices/late-versions.csv": [], "invoice_lines/late-versions.csv": []}
    delta = Decimal("12.34")
    for line in repriced:
        invoice = invoices[line["invoice_id"]]
        out["invoice_lines/late-versions.csv"].append(
            {
                **line,
                "unit_amount": str(Decimal(line["unit_amount"]) + delta),
                "amount": str(Decimal(line["amount"]) + delta),
                "updated_at": _later(line["updated_at"], 20),
            }
        )
        invoices[line["invoice_id"]] = {
            **invoice,
            "total_amount": str(Decimal(invoice["total_amount"]) + delta),
            "updated_at": _later(invoice["updated_at"], 20),
        }
        out["invoices/late-versions.csv"].append(invoices[line["invoice_id"]])
    for key in due_later:
        row = invoices[key]
        due = datetime.fromisoformat(row["due_at"]) + timedelta(days=45)
        out["invoices/late-versions.csv"].append(
            {**row, "due_at": due.date().isoformat(), "updated_at": _later(row["updated_at"], 25)}
        )
    out["invoices/deletes.csv"] = [
        {
            **invoices[key],
            "is_deleted": "true",
            "updated_at": _later(invoices[key]["updated_at"], 30),
        }
        for key in deleted
    ]
    reps = sorted({row["owner_rep_id"] for row in quotes.values()})
    out["quotes/late-versions.csv"] = [
        {
            **row,
            "owner_rep_id": next(r for r in reps if r != row["owner_rep_id"]),
            "updated_at": _later(row["updated_at"], 10),
        }
        for row in (quotes[k] for k in rng.sample(sorted(quotes), 4))
    ]
    out["activities/deletes.csv"] = [
        {**row, "is_deleted": "true", "updated_at": _later(row["updated_at"], 5)}
        for row in (activities[k] for k in rng.sample(sorted(activities), 3))
    ]
    # A quote with invoices and a product with lines deleted: their lines (and the
    # quote's invoices) lose a parent they were converted with.
    invoiced = sorted({row["quote_id"] for row in invoices.values() if row["quote_id"]})
    products = _latest(_entity_rows(files, "products"), "product_id")
    sold = sorted({line["product_id"] for line in lines.values()} & set(products))
    for entity, rows, key in (("quotes", quotes, rng.choice(invoiced)),
                              ("products", products, rng.choice(sold))):  # fmt: skip
        row = rows[key]
        out[f"{entity}/deletes.csv"] = [
            {**row, "is_deleted": "true", "updated_at": _later(row["updated_at"], 15)}
        ]
    return out


def plan_arrivals(generated: Path, seed: int, batches: int = 3) -> list[Arrival]:
    """The generated company's files grouped by period (2024-Q1, 2024, ...), the groups
    shuffled and dealt into `batches` runs; the late versions and deletes land with the last
    of them (the first run after every file they change), the back-filled FX rates with a
    random run from the one that brings the month's invoices; then a run one month later
    with nothing new."""
    rng = random.Random(seed)
    files = {
        path.relative_to(generated).as_posix(): read_rows(path)
        for path in sorted(generated.glob("*/*.csv"))
        if not path.parent.name.startswith("_")
    }
    # One month of invoices whose FX rates land late, in or after the run of its invoices.
    month = rng.choice(sorted({row["issued_at"][:7] for row in _entity_rows(files, "invoices")}))
    backfill: Rows = []
    for path in [p for p in files if p.startswith("fx_rates/")]:
        backfill += [row for row in files[path] if row["rate_date"].startswith(month)]
        files[path] = [row for row in files[path] if not row["rate_date"].startswith(month)]
    late = _late_versions(files, rng)
    periods = sorted({Path(path).stem for path in files})
    rng.shuffle(periods)
    dealt = [periods[number::batches] for number in range(batches)]
    arrivals = [
        Arrival(AS_OF, {path: rows for path, rows in files.items() if Path(path).stem in group})
        for group in dealt
    ]
    invoices_of_month = next(
        number
        for number, arrival in enumerate(arrivals)
        if any(
            row["issued_at"].startswith(month) for row in _entity_rows(arrival.files, "invoices")
        )
    )
    arrivals[rng.randrange(invoices_of_month, batches)].files["fx_rates/backfill.csv"] = backfill
    last = arrivals[-1].files
    last.update(late)
    arrivals.append(Arrival(EMPTY_MONTH_AS_OF))
    return [Arrival(a.as_of, {p: rows for p, rows in a.files.items() if rows}) for a in arrivals]
