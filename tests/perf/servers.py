"""The processes the bench starts: gunicorn for the portal and the two bare apps, and Redis.

Every server listens on a free loopback port, runs in its own process group and is stopped
by ``stop()`` (the bench calls it in ``finally``); waits are bounded.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.perf.dataset import SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# The same flags for the portal and both bare apps.
GUNICORN_FLAGS = (
    "--workers",
    "2",
    "--worker-class",
    "sync",
    "--timeout",
    "120",
    "--log-level",
    "warning",
    "--no-control-socket",
)
# Loud enough that no rate limit throttles the bench's sign-ins.
NO_RATE_LIMIT = "1000000 per minute"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def portal_environment(database_url: str, upload_dir: str, **extra) -> dict:
    """The environment of a production-like portal that needs no Redis and no SMTP server:
    jobs run inline, mail stays in the outbox."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "REDIS_", "MAIL_", "RATELIMIT_"))
        and key not in ("DATABASE_URL", "SECRET_KEY", "UPLOAD_DIR", "PUBLIC_URL")
    }
    environment.update(
        PORTAL_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        UPLOAD_DIR=upload_dir,
        PUBLIC_URL="http://127.0.0.1",
        RATELIMIT_PER_ADDRESS=NO_RATE_LIMIT,
        RATELIMIT_PER_ACCOUNT=NO_RATE_LIMIT,
        PYTHONPATH=str(ROOT),
    )
    environment.update({key: str(value) for key, value in extra.items()})
    return environment


class Process:
    """A child process in its own group, stopped (TERM, then KILL) with ``stop()``."""

    def __init__(self, name: str, command: list[str], environment: dict | None = None):
        self.name = name
        # A file, not a pipe: a chatty child must never block on a full pipe.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed when collected)
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 10) -> None:
        """End the process group: TERM, then KILL after ``grace`` seconds."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=grace)

    def output(self, limit: int = 3000) -> str:
        """The end of what it wrote to stdout and stderr."""
        self.log.seek(0, os.SEEK_END)
        self.log.seek(max(0, self.log.tell() - limit))
        return self.log.read().decode(errors="replace")


class Gunicorn(Process):
    """``gunicorn <app>`` with the bench's flags on a free port, ready when ``path`` answers;
    ``workers`` replaces the bench's two."""

    def __init__(
        self,
        name: str,
        app: str,
        environment: dict | None = None,
        path: str = "/",
        workers: int = 2,
    ):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            *GUNICORN_FLAGS,
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{self.port}",
            app,
        ]
        super().__init__(name, command, environment)
        self._wait_ready(path)

    def _wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited: {self.output()}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", path)
                if connection.getresponse().status < 500:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s")


class RedisServer(Process):
    """A redis-server of the bench's own, on a free port, without persistence."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        super().__init__(
            "redis",
            [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"],
        )
        from redis import Redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url).ping():
                    return
            except Exception:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("redis-server did not start")
