"""Throwaway engine servers for tests: a Spark folder for a local SparkSession, a Spark
Thrift server from pyspark's own jars; the Postgres cluster in a temp folder is
foundation.engines.local_postgres (the benchmark starts it too).

Each is started on a free loopback port and stopped (and its folder deleted) by
whoever started it; tests/engines/conftest.py wraps them in session fixtures
that start only when a test asks. What a server needs and cannot find (the
Postgres binaries, Java) is named in `Unavailable`, which the fixtures turn
into a skip naming the missing package (`.ci/run` installs both).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from foundation.engines.local_postgres import LOOPBACK, Unavailable, free_port
from foundation.settings import Settings, SparkSettings


def wait_for_port(port: int, timeout: float, alive: subprocess.Popen | None = None) -> None:
    """Until something accepts connections on the loopback `port`; raises after `timeout`
    seconds or when `alive` (the server's process) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            raise RuntimeError(f"the server exited with code {alive.returncode} before listening")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            if probe.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"nothing listened on {LOOPBACK}:{port} after {timeout:.0f}s")


# --- Spark ----------------------------------------------------------------------------


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise Unavailable("java not found (apt-get install openjdk-17-jre-headless)")
    return java


def spark_home() -> Path:
    """pyspark's install folder: its bin/ scripts and jars/ (a Spark distribution)."""
    import pyspark

    return Path(pyspark.__file__).parent


def new_spark_dir() -> Path:
    """An empty folder for Spark's warehouse dir, Derby metastore and raw Parquet."""
    return Path(tempfile.mkdtemp(prefix="revops-spark-"))


def spark_settings(base: Settings, spark_dir: Path, method: str = "session", port: int = 0):
    """`base` pointed at a Spark folder (and, for thrift, at a server on `port`)."""
    spark = SparkSettings(method=method, host=LOOPBACK, port=port or 10000, dir=spark_dir)
    return replace(base, engine="spark", spark=spark)


@dataclass
class ThriftServer:
    """A Spark Thrift server (HiveThriftServer2) holding the metastore of `spark_dir`."""

    process: subprocess.Popen
    port: int
    spark_dir: Path
    log: Path

    def settings(self, base: Settings) -> Settings:
        return spark_settings(base, self.spark_dir, "thrift", self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


THRIFT_JAR = "spark-hive-thriftserver_*.jar"


def start_thrift_server(spark_dir: Path, timeout: float = 300) -> ThriftServer:
    """HiveThriftServer2 from pyspark's jars, on a free loopback port, with the same Spark
    conf as a session on `spark_dir` (foundation.engines.spark_conf.spark_conf)."""
    from foundation.engines.spark_conf import spark_conf

    require_java()
    home = spark_home()
    if not list((home / "jars").glob(THRIFT_JAR)):
        raise Unavailable(f"pyspark's jars have no {THRIFT_JAR}: this pyspark has no Thrift server")
    port = free_port()
    settings = spark_settings(
        Settings(landing=spark_dir, warehouse=spark_dir / "unused.duckdb"), spark_dir, "thrift"
    )
    command = [
        str(home / "bin" / "spark-submit"),
        "--class",
        "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
        "--name",
        "revops-test-thrift",
    ]
    for key, value in spark_conf(settings).items():
        command += ["--conf", f"{key}={value}"]
    command += [
        "--hiveconf",
        f"hive.server2.thrift.port={port}",
        "--hiveconf",
        f"hive.server2.thrift.bind.host={LOOPBACK}",
        "spark-internal",
    ]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": LOOPBACK}
    log = spark_dir / "thrift-server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=spark_dir, stdout=out, stderr=subprocess.STDOUT
        )
    server = ThriftServer(process, port, spark_dir, log)
    try:
        wait_for_port(port, timeout, alive=process)
    except RuntimeError as error:
        server.stop()
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"the Spark Thrift server did not start: {error}: {tail}") from None
    return server
