"""The Spark conf of the pipeline: one home for what a session (ours, dbt's) or a Thrift
server started for the pipeline is given.

profiles.yml's `spark` target lists the same values as its
`server_side_parameters` (tests/engines/test_spark_conf.py renders the profile
and compares), so that the session dbt opens and the one the pipeline's Python
opens share one warehouse dir and one Derby metastore: a table written by one
is seen by the other. Embedded Derby lets one JVM hold the metastore at a time,
so each opens its session for one step and stops its JVM at the end.
"""

from __future__ import annotations

from foundation.settings import Settings

# Settings that a running session or Thrift server takes per connection (and that
# dbt-spark sends as such in thrift mode); the rest are fixed when the JVM starts.
RUNTIME_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",  # dbt-spark forces it off for its own sessions
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",  # dbt's many small statements: no re-planning
    # Timestamps in Parquet as microseconds since the epoch, UTC-adjusted (not INT96).
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def spark_conf(settings: Settings) -> dict[str, str]:
    """The conf of a local session (`local[2]`) on `settings.spark_dir`, loopback only."""
    root = settings.spark_dir.resolve()
    return {
        "spark.master": "local[2]",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        # The metastore <root>/metastore_db and derby.log: Derby's home is the Spark folder.
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            "jdbc:derby:;databaseName=metastore_db;create=true"
        ),
        # C1 only and the serial GC: half the CPU time of the defaults on short statements.
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={root} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
        ),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        # No progress bars on stdout: dbt's JSON log lines share it (dagster-dbt parses
        # them; a bar glued in front of one loses that model's event).
        "spark.ui.showConsoleProgress": "false",
        # Only errors from the JVM's logs once the session is up (not its INFO/WARN chatter).
        "spark.log.level": "ERROR",
        **RUNTIME_CONF,
    }
