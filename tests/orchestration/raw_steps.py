"""Running raw assets (orchestration/defs/ingestion) in-process, and reading their events."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from foundation.contract import entity
from orchestration.defs.ingestion.assets import build_raw_asset
from orchestration.defs.resources import WarehouseResource


def materialize_raw(names: list[str], landing: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    """The raw assets of the entities `names`, loading `landing` into `warehouse`."""
    resource = WarehouseResource(landing_path=str(landing), warehouse_path=str(warehouse))
    return dg.materialize(
        [build_raw_asset(entity(name)) for name in names],
        resources={"warehouse": resource},
        raise_on_error=False,
    )


def events(result: dg.ExecuteInProcessResult, kind: str) -> list[dg.DagsterEvent]:
    """The run's events of one type (its `event_type_value`, e.g. "STEP_FAILURE")."""
    return [event for event in result.all_events if event.event_type_value == kind]
