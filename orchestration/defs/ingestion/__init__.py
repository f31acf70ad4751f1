"""Ingestion domain: one asset per landing entity, and a sensor on new files."""

from orchestration.defs.ingestion.assets import raw_assets
from orchestration.defs.ingestion.sensors import new_landing_files_sensor

__all__ = ["new_landing_files_sensor", "raw_assets"]
