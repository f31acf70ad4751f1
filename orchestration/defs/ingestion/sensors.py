"""A sensor that asks for a pipeline run when new files land."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from foundation.contract import ENTITIES
from ingestion.readers import landing_files
from orchestration.defs.resources import WarehouseResource


def landing_file_names(landing: Path) -> list[str]:
    """Every file the loader would read, relative to the landing folder, in name order."""
    names = []
    for entity in ENTITIES:
        files, _ignored = landing_files(landing, entity.name)
        names += [file.name for file in files]
    return sorted(names)


@dg.sensor(
    job_name="revops_pipeline",
    minimum_interval_seconds=60,
    description="Requests a full pipeline run when files appear in the landing folder; "
    "the cursor remembers the files already seen, so each file triggers once.",
)
def new_landing_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    current = landing_file_names(warehouse.settings().landing)
    new = [name for name in current if name not in seen]
    if not new:
        return dg.SkipReason("no new files in the landing folder")
    context.update_cursor(json.dumps(sorted(seen | set(new))))
    return dg.RunRequest(
        run_key=f"landing:{len(seen) + len(new)}:{new[-1]}",
        tags={"revops/new_files": str(len(new))},
    )
