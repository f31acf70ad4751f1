"""A sensor that asks for a pipeline run when new files land."""

from __future__ import annotations

import json

import dagster as dg

from ingestion.contract import ENTITY_BY_NAME, FILE_EXTENSIONS
from revops.settings import Settings


def landing_files(settings: Settings) -> list[str]:
    """Contract files under the landing folder, relative to it, in name order."""
    if not settings.landing.is_dir():
        return []
    found = []
    for folder in sorted(settings.landing.iterdir()):
        if folder.name not in ENTITY_BY_NAME or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name.endswith(FILE_EXTENSIONS):
                found.append(f"{folder.name}/{path.name}")
    return found


@dg.sensor(
    job_name="revops_pipeline",
    minimum_interval_seconds=60,
    description="Requests a full pipeline run when files appear in the landing folder; "
    "the cursor remembers the files already seen, so each file triggers once.",
)
def new_landing_files_sensor(context: dg.SensorEvaluationContext):
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    current = landing_files(Settings.from_env())
    new = [name for name in current if name not in seen]
    if not new:
        return dg.SkipReason("no new files in the landing folder")
    context.update_cursor(json.dumps(sorted(seen | set(new))))
    return dg.RunRequest(
        run_key=f"landing:{len(seen) + len(new)}:{new[-1]}",
        tags={"revops/new_files": str(len(new))},
    )
