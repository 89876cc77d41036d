"""A PostgreSQL cluster of the test's own, which it may stop and start at will.

The machine's shared server serves other test sessions, so the restart scenario never
touches it: ``private_cluster`` makes a throwaway cluster with the installed server's own
``initdb`` and ``pg_ctl`` (run as the ``postgres`` user, since they refuse root) in a
temporary folder, on a free loopback port, with trust authentication, and removes it after.
"""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.realparts import free_port

SERVER_BINARIES = Path("/usr/lib/postgresql")


def server_binary(name: str) -> Path:
    """``name`` from the newest PostgreSQL installed (``initdb``, ``pg_ctl``)."""
    found = sorted(SERVER_BINARIES.glob(f"*/bin/{name}"), key=lambda path: int(path.parts[-3]))
    if not found:
        raise RuntimeError(f"no PostgreSQL server installed under {SERVER_BINARIES}")
    return found[-1]


class PrivateCluster:
    """A cluster in ``folder`` listening on 127.0.0.1:``port``."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.data = folder / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def initialise(self) -> None:
        shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(
            server_binary("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._pg_ctl("start", "-o", options, "-l", self.folder / "server.log")

    def stop(self) -> None:
        """Stop the server the way a restart does: every session is cut off (fast mode)."""
        self._pg_ctl("stop", "-m", "fast")

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def _pg_ctl(self, *args) -> None:
        self._as_postgres(server_binary("pg_ctl"), "-D", self.data, "-w", "-t", "60", *args)

    @staticmethod
    def _as_postgres(*command) -> None:
        runuser = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        subprocess.run([*runuser, *map(str, command)], check=True, capture_output=True, timeout=120)


@contextmanager
def private_cluster():
    """A running cluster of this test's own; stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="portal-faults-pg-"))
    cluster = PrivateCluster(folder)
    try:
        cluster.initialise()
        cluster.start()
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):  # it was not running
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
