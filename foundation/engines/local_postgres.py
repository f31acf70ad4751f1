"""A throwaway Postgres cluster on this machine, for the engine tests and the benchmark.

`start_postgres` runs `initdb` in a new temp folder, starts the server on a free
loopback port (trust auth, loopback only) with the given server settings, and
creates one database; `PostgresServer.stop` stops it and deletes the folder.
What it needs and cannot find (the Postgres binaries) is named in `Unavailable`,
with the package that brings them. Production Postgres is never started here:
the pipeline connects to the database `Settings.postgres` names.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from foundation.settings import PostgresSettings, Settings

LOOPBACK = "127.0.0.1"
# A cluster for tests: nothing in it outlives the test session, so nothing is synced.
THROWAWAY_CONF: Mapping[str, str] = {"fsync": "off"}
INITDB = ["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"]
START = ["-w", "-t", "120", "start"]
STOP = ["-m", "immediate", "-w", "stop"]


class Unavailable(RuntimeError):
    """A server cannot start here: what is missing, and the package that brings it."""


def free_port() -> int:
    """A TCP port nobody listens on at the moment (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


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
    def data(self) -> Path:
        return self.root / "data"

    def postmaster_pid(self) -> int:
        """The server's main process (first line of postmaster.pid)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def create_database(self, name: str) -> None:
        connect = ["-h", LOOPBACK, "-p", str(self.port), "-U", "postgres"]
        subprocess.run(
            [*self.as_postgres, postgres_binary("createdb"), *connect, name],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            [*self.as_postgres, postgres_binary("pg_ctl"), "-D", str(self.data), *STOP],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(
    database: str = "revops", conf: Mapping[str, str] = THROWAWAY_CONF
) -> PostgresServer:
    """initdb a cluster in a new temp folder, start it on a free port with the server
    settings `conf` (`-c name=value` each), create `database`.

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
    server = PostgresServer(root, port, database, root / "server.log", as_postgres)
    options = " ".join(
        [f"-p {port} -k {root} -c listen_addresses={LOOPBACK}"]
        + [f"-c {name}={value}" for name, value in conf.items()]
    )
    try:
        subprocess.run(
            [*as_postgres, initdb, "-D", str(server.data), *INITDB], check=True, capture_output=True
        )
        log = ["-l", str(server.log)]
        subprocess.run(
            [*as_postgres, pg_ctl, "-D", str(server.data), "-o", options, *log, *START],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace").strip().splitlines()
        if server.log.is_file():  # the server's own reason (pg_ctl says "see the log")
            detail += server.log.read_text(errors="replace").strip().splitlines()
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"Postgres did not start: {detail[-1] if detail else error}") from None
    try:
        server.create_database(database)
    except BaseException:
        server.stop()
        raise
    return server
