"""Jobs at scale: digests through a real worker to an SMTP sink, a notification sweep with a
backlog of mentions, and the health snapshot of every client; each as items/s and peak memory.

Each step runs in a process of its own, so its peak memory is its own: the in-app steps as
``python -m tests.perf.jobs <task>`` (``ru_maxrss`` of that process), the worker as the
production ``flask jobs worker --burst`` on a redis-server of the bench's own (``ru_maxrss``
of the worker and the work horses it forked, from ``wait4``), as ``BENCH_WORKERS`` workers
side by side (2 by default, one per core; the peak is the largest worker's). A worker run is
capped in time (``BENCH_JOB_SECONDS``): at the cap it is stopped and what it finished is
reported.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from redis import Redis
from sqlalchemy import create_engine, func, select

from portal.config import normalise_database_url
from portal.models import DigestRun, EmailFrequency, User
from tests.perf.servers import HOST, ROOT, RedisServer, free_port

DIGESTS_AT_SCALE_1 = 10_000
MAX_TICKS = 60
# The notification backlog: this many days of mentions nobody read or was e-mailed about.
BACKLOG_DAYS = 14
# Every zone the dataset uses is past its 08:00 digest hour at 14:00 UTC.
TICK_TIME = (14, 0)
TASK_TIMEOUT = 900
COLUMNS = (("job", 36), ("items", 9), ("seconds", 9), ("items/s", 9), ("peak MB", 9))


@dataclass
class Outcome:
    name: str
    items: int
    seconds: float
    peak_mb: float
    note: str = ""

    def line(self) -> str:
        rate = self.items / self.seconds if self.seconds else 0.0
        cells = (f"{self.items:,}", f"{self.seconds:.1f}", f"{rate:.1f}", f"{self.peak_mb:.0f}")
        (_first, width), *rest = COLUMNS
        text = f"{self.name:<{width}}" + "".join(
            f"{c:>{w}}" for c, (_n, w) in zip(cells, rest, strict=True)
        )
        return f"{text}  {self.note}".rstrip()


class SmtpSink:
    """Counts what it is sent; nothing is parsed or kept."""

    def __init__(self):
        self.received = 0
        self.port = free_port()
        self.controller = Controller(self, hostname=HOST, port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


# ---- the tasks, run in a child process inside the app -------------------------------------


def _digest_ticks(now: datetime, target: int) -> list[datetime]:
    """The daily ticks, oldest first, that make about ``target`` digests due."""
    from portal.extensions import db

    daily = db.session.scalar(
        select(func.count()).where(
            User.active.is_(True), User.email_frequency == EmailFrequency.DAILY
        )
    )
    weekly = db.session.scalar(
        select(func.count()).where(
            User.active.is_(True), User.email_frequency == EmailFrequency.WEEKLY
        )
    )
    per_day = max(1.0, daily + weekly / 7)
    days = min(MAX_TICKS, math.ceil(target / per_day))
    today = now.replace(hour=TICK_TIME[0], minute=TICK_TIME[1], second=0, microsecond=0)
    return [today - timedelta(days=k) for k in range(days, 0, -1)]


def task_schedule(target: int) -> dict:
    """``schedule_digests`` once per past day until about ``target`` digests are queued."""
    from portal.digests.services import schedule_digests
    from portal.extensions import db
    from portal.jobs import dispatch_ready

    ticks = _digest_ticks(datetime.now(UTC), target)
    queued, started = 0, time.perf_counter()
    for tick in ticks:
        queued += schedule_digests(tick)
        db.session.commit()
        dispatch_ready()
        if queued >= target:
            break
    return {"items": queued, "seconds": time.perf_counter() - started, "ticks": len(ticks)}


def task_sweep() -> dict:
    """Two weeks away (nobody read, nothing was e-mailed): every mention since is owed.
    Then the sweep that finds who to e-mail."""
    from sqlalchemy import and_, case, update

    from portal.extensions import db
    from portal.jobs import dispatch_ready
    from portal.models import Comment, Mention, Subscription
    from portal.notifications.services import sweep_notifications
    from portal.threads.subscriptions import refresh_read_mentions, refresh_unread_subscriptions

    cutoff = datetime.now(UTC) - timedelta(days=BACKLOG_DAYS)
    # The seeded comment ids follow their times, so one id splits before from after.
    last_before = db.session.scalar(select(func.max(Comment.id)).where(Comment.created_at < cutoff))
    for mark in (Subscription.last_read_comment_id, Subscription.last_emailed_comment_id):
        db.session.execute(
            update(Subscription).values({mark: case((mark > last_before, last_before), else_=mark)})
        )
    refresh_read_mentions()
    refresh_unread_subscriptions()
    pending = db.session.scalar(
        select(func.count())
        .select_from(Mention)
        .join(Comment, Comment.id == Mention.comment_id)
        .join(
            Subscription,
            and_(
                Subscription.thread_id == Comment.thread_id,
                Subscription.user_id == Mention.user_id,
            ),
        )
        .where(Comment.id > Subscription.last_read_comment_id, Comment.deleted_at.is_(None))
    )
    db.session.commit()
    started = time.perf_counter()
    users = sweep_notifications()
    db.session.commit()
    dispatch_ready()
    return {"items": users, "seconds": time.perf_counter() - started, "pending": pending}


def task_snapshots() -> dict:
    """Today's health snapshot for every live client (the hourly job)."""
    from portal.extensions import db
    from portal.health.snapshots import take_snapshots

    started = time.perf_counter()
    written = take_snapshots()
    db.session.commit()
    return {"items": written, "seconds": time.perf_counter() - started}


TASKS = {"schedule": task_schedule, "sweep": task_sweep, "snapshots": task_snapshots}


def task_main(argv: list[str]) -> int:
    from portal import create_app

    name, *args = argv
    app = create_app()
    with app.app_context():
        result = TASKS[name](*(int(a) for a in args))
    print("JOB " + json.dumps(result), flush=True)
    return 0


# ---- the bench side -------------------------------------------------------------------------


@dataclass
class Measured:
    output: str
    seconds: float
    peak_mb: float
    finished: bool


def run_measured(command: list[str], environment: dict, cap: float, log_path) -> Measured:
    """``command`` under ``tests.perf.measured``, stopped after ``cap`` seconds (TERM to its
    group, KILL 15 s later); its output is appended to ``log_path``."""
    launcher = [sys.executable, "-m", "tests.perf.measured", *command]
    with open(log_path, "ab") as log:
        start_at = log.tell()
        process = subprocess.Popen(
            launcher, cwd=ROOT, env=environment, stdout=log, stderr=log, start_new_session=True
        )
    started, stopping = time.monotonic(), None
    try:
        while process.poll() is None:
            elapsed = time.monotonic() - started
            if stopping is None and elapsed > cap:
                stopping = elapsed
                os.killpg(process.pid, signal.SIGTERM)  # rq: warm shutdown after the current job
            elif stopping is not None and elapsed > stopping + 15:
                os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.2)
    finally:
        if process.poll() is None:  # the bench itself is being stopped
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    with open(log_path, "rb") as log:
        log.seek(start_at)
        output = log.read().decode(errors="replace")
    reports = [line for line in output.splitlines() if line.startswith("MEASURED ")]
    report = json.loads(reports[-1][9:]) if reports else {"returncode": -9, "peak_mb": 0.0}
    if stopping is None and report["returncode"] != 0:
        raise RuntimeError(f"{' '.join(command[:6])} failed:\n{output[-3000:]}")
    seconds = stopping if stopping is not None else report["seconds"]
    return Measured(output, seconds, report["peak_mb"], stopping is None)


def run_task(environment: dict, log_path, *args) -> dict:
    """A task of this module in its own process; its result, with its peak memory."""
    command = [sys.executable, "-m", "tests.perf.jobs", *map(str, args)]
    measured = run_measured(command, environment, TASK_TIMEOUT, log_path)
    lines = [line for line in measured.output.splitlines() if line.startswith("JOB ")]
    if not measured.finished or not lines:
        raise RuntimeError(f"task {args[0]} did not finish:\n{measured.output[-3000:]}")
    return {**json.loads(lines[-1][4:]), "peak_mb": measured.peak_mb}


def run_workers(environment: dict, cap: float, log_path, count: int) -> Measured:
    """``count`` workers (``flask jobs worker --burst``) side by side until the queues are
    empty or ``cap`` seconds pass: the longest one's time, the largest one's peak."""
    command = [sys.executable, "-m", "flask", "--app", "portal", "jobs", "worker", "--burst"]
    with ThreadPoolExecutor(count) as pool:
        runs = list(
            pool.map(lambda _: run_measured(command, environment, cap, log_path), range(count))
        )
    return Measured(
        "".join(run.output for run in runs),
        max(run.seconds for run in runs),
        max(run.peak_mb for run in runs),
        all(run.finished for run in runs),
    )


def _count(database_url: str, query) -> int:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.scalar(query)
    finally:
        engine.dispose()


def bench_jobs(database_url: str, environment: dict, personas: dict, scale: float) -> None:
    """Run and print the jobs at scale on the database the pages were measured on."""
    cap = float(os.environ.get("BENCH_JOB_SECONDS") or 120)
    workers = int(os.environ.get("BENCH_WORKERS") or 2)
    target = max(100, round(DIGESTS_AT_SCALE_1 * scale))
    redis, sink = RedisServer(), SmtpSink()
    sink.controller.start()
    log_path = os.path.join(os.path.dirname(personas["upload_dir"]), "worker.log")
    # The log goes with the run's temporary folder; a failing worker's tail is printed.
    outcomes = []
    try:
        environment = {
            **environment,
            "REDIS_URL": redis.url,
            "MAIL_SERVER": HOST,
            "MAIL_PORT": str(sink.port),
        }
        scheduled = run_task(environment, log_path, "schedule", target)
        outcomes.append(
            Outcome(
                f"schedule_digests, {scheduled['ticks']} ticks",
                scheduled["items"],
                scheduled["seconds"],
                scheduled["peak_mb"],
            )
        )
        worker = run_workers(environment, cap, log_path, workers)
        seconds, peak, finished = worker.seconds, worker.peak_mb, worker.finished
        runs = _count(database_url, select(func.count()).select_from(DigestRun))
        note = f"{sink.received:,} e-mails delivered"
        if not finished:
            note += f"; stopped at the {cap:.0f} s cap: {runs:,} of {scheduled['items']:,} digests"
        outcomes.append(Outcome(f"digests, {workers} workers", runs, seconds, peak, note))

        Redis.from_url(redis.url).flushall()  # the bench's own Redis: drop what is left
        swept = run_task(environment, log_path, "sweep")
        outcomes.append(
            Outcome(
                "notification sweep",
                swept["items"],
                swept["seconds"],
                swept["peak_mb"],
                f"{swept['pending']:,} pending mentions",
            )
        )
        before = sink.received
        worker = run_workers(environment, cap, log_path, workers)
        seconds, peak, finished = worker.seconds, worker.peak_mb, worker.finished
        note = "users e-mailed" + ("" if finished else f"; stopped at the {cap:.0f} s cap")
        emailed = sink.received - before
        outcomes.append(Outcome(f"notifications, {workers} workers", emailed, seconds, peak, note))

        snapshots = run_task(environment, log_path, "snapshots")
        outcomes.append(
            Outcome(
                "health snapshots, every client",
                snapshots["items"],
                snapshots["seconds"],
                snapshots["peak_mb"],
            )
        )
    finally:
        sink.controller.stop()
        redis.stop()
        (first, width), *rest = COLUMNS
        print(
            f"\njobs: {target:,} digests wanted; {workers} workers, each run capped at {cap:.0f} s"
        )
        print(f"{first:<{width}}" + "".join(f"{n:>{w}}" for n, w in rest) + "  note")
        for outcome in outcomes:
            print(outcome.line(), flush=True)


if __name__ == "__main__":
    sys.exit(task_main(sys.argv[1:]))
