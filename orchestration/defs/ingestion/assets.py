"""Raw assets: each loads one entity's new landing files into `raw.<entity>`."""

import dagster as dg

from foundation.contract import ENTITIES, Entity
from ingestion.loader import DiskFull, load_entity
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.stop_signals import raise_if_stopped

RAW_GROUP = "raw"
# Another try after an error, 2, 4 then 8 seconds later: most are transient (DuckDB's file
# lock held by a reader about to let go, a landing file still being copied). Asked by the
# asset, not by a `retry_policy`: with one, Dagster also takes a stop signal (SIGTERM,
# Ctrl-C) during the step for a reason to try again, and the run goes on; and never
# after a stop signal (orchestration/stop_signals.py).
MAX_RETRIES = 3
FIRST_RETRY_SECONDS = 2


def build_raw_asset(entity: Entity) -> dg.AssetsDefinition:
    kind = "reference entity" if entity.reference else "entity"

    @dg.asset(
        key=["raw", entity.name],
        group_name=RAW_GROUP,
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        description=(
            f"Landing files of the {entity.name} {kind}, loaded into raw.{entity.name} "
            f"(invalid rows to audit.quarantine). {entity.description}"
        ),
        metadata={"landing_folder": entity.name, "key": ", ".join(entity.key)},
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = warehouse.step_settings()
        try:
            result = load_entity(settings, entity.name, batch_id=context.run_id)
        except DiskFull as error:  # not transient: another try in seconds fails the same way
            raise dg.Failure(description=str(error), allow_retries=False) from None
        except Exception as error:
            raise_if_stopped()  # DuckDB turned the stop into an error ("Query interrupted")
            wait = FIRST_RETRY_SECONDS * 2**context.retry_number
            raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait) from error
        for message in result.messages:
            context.log.warning(message)
        return dg.MaterializeResult(metadata=result.as_metadata())

    return _raw_asset


raw_assets: list[dg.AssetsDefinition] = [build_raw_asset(e) for e in ENTITIES]
