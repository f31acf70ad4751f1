"""Raw assets: each loads one entity's new landing files into `raw.<entity>`."""

import dagster as dg
import duckdb

from foundation.contract import ENTITIES, Entity
from ingestion.loader import DiskFull, load_entity
from orchestration.defs.resources import DUCKDB_POOL, TRANSIENT_RETRY, WarehouseResource

RAW_GROUP = "raw"


def _is_lock_error(error: Exception) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def build_raw_asset(entity: Entity) -> dg.AssetsDefinition:
    kind = "reference entity" if entity.reference else "entity"

    @dg.asset(
        key=["raw", entity.name],
        group_name=RAW_GROUP,
        kinds={"duckdb", "python"},
        pool=DUCKDB_POOL,
        retry_policy=TRANSIENT_RETRY,
        description=(
            f"Landing files of the {entity.name} {kind}, loaded into raw.{entity.name} "
            f"(invalid rows to audit.quarantine). {entity.description}"
        ),
        metadata={"landing_folder": entity.name, "key": ", ".join(entity.key)},
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = warehouse.settings()
        try:
            result = load_entity(settings, entity.name, batch_id=context.run_id)
        except DiskFull as error:  # not transient: another try in seconds fails the same way
            raise dg.Failure(description=str(error), allow_retries=False) from None
        except duckdb.IOException as error:
            if _is_lock_error(error):
                raise dg.RetryRequested(max_retries=3, seconds_to_wait=2) from error
            raise
        for message in result.messages:
            context.log.warning(message)
        return dg.MaterializeResult(metadata=result.as_metadata())

    return _raw_asset


raw_assets: list[dg.AssetsDefinition] = [build_raw_asset(e) for e in ENTITIES]
