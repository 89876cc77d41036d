"""The full stack of a fault test, the means to break its parts, and to watch it recover.

A ``Stack`` runs the Procfile's processes as subprocesses, each in a process group of its
own: gunicorn (``wsgi:app``), the rq worker (``flask jobs worker``, the production command)
and the scheduler's work, done on demand by ``flask jobs tick`` or by ``flask jobs
scheduler`` itself. They share a database, a Redis (``tests.realparts.RedisServer``) and an
SMTP server on loopback (``SmtpServer``) that are the test's own. The test process watches
through an app of its own on the same database (``stack.app``), which also seeds it.

Every wait is a bounded poll on a condition; the outages themselves are the only timed parts.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from redis import Redis
from rq import Queue
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.jobs import QUEUES
from portal.models import Comment
from tests.perf.servers import Gunicorn, Process, portal_environment
from tests.realparts import Mailbox, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]
# Comments wait this long for company before their notification, and a pending e-mail this
# long before the outbox sweep takes it for lost: short, so the sweeps find work at once.
NOTIFY_DELAY_SECONDS = 1
OUTBOX_GRACE_SECONDS = 1


def setting(name: str, default: float) -> float:
    """A scenario's length from the environment (``make faults`` gives the issue's), or
    ``default``, short enough for the suite."""
    return float(os.environ.get(name) or default)


@dataclass
class FaultyMailbox(Mailbox):
    """A ``Mailbox`` that answers every message with a temporary failure while ``refusing``.
    While ``held``, it keeps a message it has taken, before saying so (``holding`` is set
    then): the sender is waiting for the answer, in the middle of its job."""

    refusing: bool = False
    refusals: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            self.refusals += 1
            return "451 4.3.0 Mailbox busy, try again later"
        answer = await super().handle_DATA(server, session, envelope)
        if self.held.is_set():
            self.holding.set()
            await asyncio.to_thread(self._wait_for_release)
        return answer

    def hold(self) -> None:
        self.held.set()

    def release(self) -> None:
        self.held.clear()

    def _wait_for_release(self) -> None:
        deadline = time.monotonic() + 120
        while self.held.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)


@dataclass
class SmtpServer:
    """aiosmtpd on a free loopback port that stays its port across ``stop`` and ``start``."""

    mailbox: FaultyMailbox = field(default_factory=FaultyMailbox)
    port: int = field(default_factory=free_port)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Stack:
    """The Procfile's processes on ``database_url`` (migrated), ``redis`` and ``smtp``."""

    def __init__(self, database_url: str, folder: Path, redis: RedisServer, smtp: SmtpServer):
        self.database_url, self.redis, self.smtp = database_url, redis, smtp
        self.upload_dir = folder / "uploads"
        self.environment = portal_environment(
            database_url,
            str(self.upload_dir),
            REDIS_URL=redis.url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            NOTIFY_DELAY_SECONDS=NOTIFY_DELAY_SECONDS,
            OUTBOX_GRACE_SECONDS=OUTBOX_GRACE_SECONDS,
            ARGON2_TIME_COST=1,
            ARGON2_MEMORY_KIB=1024,
        )
        # Seeds and watches: jobs it queues (while seeding) run inline, mail stays put.
        self.app = create_app(
            {"REDIS_URL": None, "MAIL_SERVER": None, "RATELIMIT_STORAGE_URI": "memory://"},
            environ=self.environment,
        )
        self.web: Gunicorn | None = None
        self.worker: Process | None = None
        self.scheduler: Process | None = None

    def start(self, *, web: bool = True, worker: bool = True, scheduler: bool = False):
        """Start gunicorn and the worker (unless told not to), and the scheduler if told to;
        ready once gunicorn answers."""
        if worker:
            self.start_worker()
        if scheduler:
            self.start_scheduler()
        if web:
            self.web = Gunicorn("web", "wsgi:app", self.environment, path="/healthz")

    def stop(self) -> None:
        """Stop every process this stack started, and let go of the database."""
        for process in (self.web, self.worker, self.scheduler):
            if process is not None:
                process.stop()
        with self.app.app_context():
            db.engine.dispose()

    def print_outputs(self, limit: int = 6000) -> None:
        """Print the end of what each process wrote."""
        for process in (self.web, self.worker, self.scheduler):
            if process is not None:
                print(f"--- {process.name} ---\n{process.output(limit)}")

    # The worker and the scheduler.

    def start_worker(self) -> Process:
        """``flask jobs worker``, as the Procfile runs it (every queue, rq's scheduler)."""
        self.worker = Process("worker", [*FLASK, "jobs", "worker"], self.environment)
        return self.worker

    def kill_worker(self) -> None:
        """SIGKILL the worker's process group (the worker and rq's scheduler, its child), as
        the OOM killer or a lost machine would."""
        os.killpg(self.worker.process.pid, signal.SIGKILL)
        self.worker.process.wait(timeout=10)

    def freeze_worker(self) -> None:
        """SIGSTOP the worker, so a test can look at what it was doing before it is killed."""
        os.killpg(self.worker.process.pid, signal.SIGSTOP)

    def start_scheduler(self) -> Process:
        """``flask jobs scheduler``: on start it queues every periodic job once."""
        self.scheduler = Process("scheduler", [*FLASK, "jobs", "scheduler"], self.environment)
        return self.scheduler

    def tick(self) -> None:
        """The scheduler's periodic work once, now (``flask jobs tick``), its jobs to Redis."""
        self.start_tick().finish()

    def start_tick(self) -> "Tick":
        """``flask jobs tick`` in the background: its jobs are worked on as it goes on."""
        return Tick(
            subprocess.Popen(
                [*FLASK, "jobs", "tick"], cwd=ROOT, env=self.environment, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip

    def waiting_jobs(self) -> int:
        """How many jobs wait in the queues for a worker."""
        connection = Redis.from_url(self.redis.url)
        try:
            return sum(len(Queue(name, connection=connection)) for name in QUEUES)
        finally:
            connection.close()

    def settle(self, condition, timeout: float = 60, what: str = "the stack to catch up"):
        """Poll ``condition`` until it holds, at most ``timeout`` seconds, doing the
        scheduler's work (a tick) whenever no job is left waiting: what a lost job left
        undone is found again by the sweeps. Fails with ``what`` if it never holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            assert self.worker.alive(), f"the worker died: {self.worker.output(20000)}"
            if self.waiting_jobs() == 0:
                self.tick()
            else:
                time.sleep(0.1)

    def comment_bodies(self, starting: str) -> set[str]:
        """The bodies of the comments stored whose text starts with ``starting``."""
        return {body for (body,) in self.query(
            select(Comment.body).where(Comment.body.startswith(starting)))}  # fmt: skip

    def query(self, statement):
        """The rows of ``statement``, read now, on the stack's database.

        Read as a GET request reads: on SQLite without the write lock, which a worker busy
        writing would hardly ever let go of long enough for the test to take it.
        """
        with self.app.test_request_context():
            try:
                return db.session.execute(statement).all()
            finally:
                db.session.remove()

    def execute(self, statement) -> None:
        """Run ``statement`` on the stack's database and commit it."""
        with self.app.app_context():
            try:
                db.session.execute(statement)
                db.session.commit()
            finally:
                db.session.remove()

    def scalar(self, statement):
        """The first column of the first row of ``statement``, read as ``query`` reads."""
        with self.app.test_request_context():
            try:
                return db.session.scalar(statement)
            finally:
                db.session.remove()


@dataclass
class Tick:
    """A ``flask jobs tick`` under way."""

    process: subprocess.Popen

    def finish(self) -> None:
        """Wait for it to end (at most two minutes); fail if it failed."""
        output, _ = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, output[-3000:]


def wait_until(condition, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll ``condition`` every ``interval`` until it holds, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)
