"""Throwaway engine servers for tests: a Postgres cluster in a temp folder, a Spark folder
for a local SparkSession, a Spark Thrift server from pyspark's own jars.

Each is started on a free loopback port and stopped (and its folder deleted) by
whoever started it; tests/engines/conftest.py wraps them in session fixtures
that start only when a test asks. What a server needs and cannot find (the
Postgres binaries, Java) is named in `Unavailable`, which the fixtures turn
into a skip naming the missing package (`.ci/run` installs both).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from foundation.settings import PostgresSettings, Settings, SparkSettings

LOOPBACK = "127.0.0.1"


class Unavailable(RuntimeError):
    """A server cannot start here: what is missing, and the package that brings it."""


def free_port() -> int:
    """A TCP port nobody listens on at the moment (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


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


# --- Postgres -------------------------------------------------------------------------


def postgres_binary(name: str) -> str:
    """A Postgres server binary: on PATH, else the newest /usr/lib/postgresql/<v>/bin
    (Debian's `postgresql` package puts them there, not on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if not versions:
        raise Unavailable(f"Postgres server binary {name} not found (apt-get install postgresql)")
    return versions[-1]


STOP = ["-m", "immediate", "-w", "stop"]
START = ["-w", "-t", "120", "start"]
INITDB = ["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"]


@dataclass
class PostgresServer:
    """A running cluster in `root` (trust auth, loopback only) with one database."""

    root: Path
    port: int
    database: str
    log: Path
    as_postgres: list[str] = field(default_factory=list)

    @property
    def postgres(self) -> PostgresSettings:
        return PostgresSettings(
            host=LOOPBACK, port=self.port, user="postgres", database=self.database
        )

    def settings(self, base: Settings) -> Settings:
        """`base` pointed at this server."""
        return replace(base, engine="postgres", postgres=self.postgres)

    @property
    def _connect(self) -> list[str]:
        return ["-h", LOOPBACK, "-p", str(self.port), "-U", "postgres"]

    def create_database(self, name: str) -> None:
        subprocess.run(
            [
                *self.as_postgres,
                postgres_binary("createdb"),
                "-h",
                LOOPBACK,
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
        )

    @property
    def data(self) -> Path:
        return self.root / "data"

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_postgres,
                postgres_binary("pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(database: str = "revops") -> PostgresServer:
    """initdb a cluster in a new temp folder, start it on a free port, create `database`.

    As root the cluster belongs to the `postgres` user (initdb refuses root): the
    folder is given to it and the binaries run through `runuser -u postgres`.
    """
    initdb, pg_ctl = postgres_binary("initdb"), postgres_binary("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="revops-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    log = root / "server.log"
    try:
        subprocess.run(
            [
                *as_postgres,
                initdb,
                "-D",
                str(root / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {root} -c listen_addresses={LOOPBACK} -c fsync=off"
        subprocess.run(
            [
                *as_postgres,
                pg_ctl,
                "-D",
                str(root / "data"),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "-t",
                "120",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        detail = (error.stderr or b"").decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"Postgres did not start: {detail[-1] if detail else error}") from None
    server = PostgresServer(root, port, database, log, as_postgres)
    server.create_database(database)
    return server


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
