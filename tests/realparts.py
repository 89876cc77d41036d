"""Real parts for the job tests: a Redis of our own, an SMTP server on loopback, a real worker.

The worker is the production command (``flask jobs worker --burst``) in a subprocess, on the
session's database; the SMTP server is aiosmtpd, collecting what it is sent.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from portal.jobs import QUEUES

ROOT = Path(__file__).resolve().parents[1]
# Long enough that a worker started right after a post finds nothing due yet.
NOTIFY_DELAY = 4
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received, parsed, and the connections it came over; it refuses
    the recipients in ``refused``."""

    messages: list = field(default_factory=list)
    delay: float = 0.0
    connections: set = field(default_factory=set)
    refused: set = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        self.connections.add(session.peer)
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for rcpts, message in self.messages if address in rcpts]

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def mailbox():
    """An SMTP server on a free loopback port, collecting messages; yields (mailbox, port)."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def smtp_mailbox(app, monkeypatch, mailbox) -> Mailbox:
    """The app's mail goes to a real SMTP server (the outbox delivers as it is written), whose
    ``Mailbox`` this returns."""
    box, port = mailbox
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    return box


# How a Redis answers the commands that set a connection up (RESP3, as redis-py asks).
SETUP = {
    b"HELLO": b"%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n",
    b"CLIENT": b"+OK\r\n",
}


class StalledRedis:
    """A Redis that has stalled: it takes every connection and answers its setup (``HELLO``,
    ``CLIENT SETINFO``), then never answers again. ``connections`` counts the connections."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._take_connections, daemon=True).start()

    @property
    def connections(self) -> int:
        return len(self.accepted)

    def _take_connections(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:  # closed
                return
            self.accepted.append(connection)
            threading.Thread(target=self._answer_setup, args=(connection,), daemon=True).start()

    @staticmethod
    def _answer_setup(connection: socket.socket) -> None:
        commands = connection.makefile("rb")
        try:
            while (command := _read_command(commands)) and command[0].upper() in SETUP:
                connection.sendall(SETUP[command[0].upper()])
        except (OSError, ValueError):  # closed
            return

    def close(self) -> None:
        """Close the port and every connection: whoever still waits gets an end of file."""
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def _read_command(stream) -> list[bytes] | None:
    """One command in Redis's protocol (an array of bulk strings), or None at the end."""
    header = stream.readline()
    if not header.startswith(b"*"):
        return None
    parts = []
    for _ in range(int(header[1:])):
        length = int(stream.readline()[1:])
        parts.append(stream.read(length + 2)[:length])
    return parts


@pytest.fixture
def stalled_redis():
    server = StalledRedis()
    yield server
    server.close()


class RedisServer:
    """A redis-server process of the test's own, which a test may stop and start again."""

    def __init__(self, port: int):
        self.port, self.process = port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                if Redis.from_url(self.url).ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server():
    """A fresh, empty Redis for this test only."""
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def jobs_on_redis(app, monkeypatch, redis_server, mailbox, database_url):
    """The app sends jobs to our Redis and mail to our SMTP server; returns a worker runner."""
    _box, smtp_port = mailbox
    settings = {
        "REDIS_URL": redis_server.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "NOTIFY_DELAY_SECONDS": NOTIFY_DELAY,
        "OUTBOX_GRACE_SECONDS": 1,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    environment = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PUBLIC_URL": app.config["PUBLIC_URL"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_TIME_COST": "1",
        **{key: str(value) for key, value in settings.items()},
    }
    return Workers(environment)


class Workers:
    """Runs the production worker and tick commands against the test's database and Redis."""

    def __init__(self, environment: dict):
        self.environment = environment

    def run(self, *args, timeout=60) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*FLASK, *args], cwd=ROOT, env=self.environment, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def burst(self):
        """Work until every queue is empty (due delayed jobs included), then stop."""
        return self.run("jobs", "worker", "--burst")

    def tick(self):
        """The periodic work once: outbox sweep, notification sweep, digest schedule."""
        return self.run("jobs", "tick")

    def make_delayed_jobs_due(self) -> int:
        """Move every delayed job's time to now, as if its delay had passed; how many.

        The next ``burst`` runs them, just as it would once their time had come.
        """
        connection = Redis.from_url(self.environment["REDIS_URL"])
        now, moved = datetime.now(UTC), 0
        for name in QUEUES:
            registry = ScheduledJobRegistry(name, connection=connection)
            for job_id in registry.get_job_ids():
                registry.schedule(Job.fetch(job_id, connection=connection), now)
                moved += 1
        return moved

    def start(self) -> subprocess.Popen:
        """A long-running worker in its own process group, to be killed by the test."""
        return subprocess.Popen(
            [*FLASK, "jobs", "worker"], cwd=ROOT, env=self.environment,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """Kill a worker and its work horse at once, as a crash or an OOM kill would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
