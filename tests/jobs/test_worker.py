"""The production worker runs jobs in its own process, on one connection pool, and a job that
fails, breaks its transaction or times out leaves nothing behind for the next one."""

import os
import time
from contextlib import suppress

from rq.job import Job, JobStatus
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.jobs.queue import get_queue, get_redis
from portal.models import Client

GHOST = "Ghost"


def where_it_ran() -> list[int]:
    """A job: the process it ran in and the database connection it used."""
    connection = db.session.connection().connection.dbapi_connection
    return [os.getpid(), id(connection)]


def write_then_fail() -> None:
    """A job that writes a row, then raises."""
    db.session.add(Client(name=GHOST, slug="ghost-failed"))
    db.session.flush()
    raise RuntimeError("the job failed after writing")


def break_the_transaction() -> None:
    """A job whose failed statement is swallowed: on PostgreSQL the transaction is aborted."""
    with suppress(DBAPIError):
        db.session.execute(text("SELECT * FROM no_such_table"))


def write_then_hang() -> None:
    """A job that writes a row, then runs past its timeout."""
    db.session.add(Client(name=GHOST, slug="ghost-slow"))
    db.session.flush()
    time.sleep(30)


def count_ghosts() -> int:
    """A job: how many rows the failed jobs left behind."""
    return db.session.scalar(select(func.count()).where(Client.name == GHOST))


def test_jobs_share_the_worker_process_and_its_pool_and_failures_leave_nothing_behind(
    app, jobs_on_redis
):
    with app.app_context():
        queue = get_queue("default")
        first = queue.enqueue(where_it_ran)
        failed = queue.enqueue(write_then_fail)
        broken = queue.enqueue(break_the_transaction)
        hung = queue.enqueue(write_then_hang, job_timeout=1)
        last = queue.enqueue(where_it_ran)
        ghosts = queue.enqueue(count_ghosts)
        ids = [job.id for job in (first, failed, broken, hung, last, ghosts)]

    started = time.monotonic()
    jobs_on_redis.burst()
    assert time.monotonic() - started < 20, "the hung job was not stopped at its timeout"

    with app.app_context():
        first, failed, broken, hung, last, ghosts = Job.fetch_many(ids, connection=get_redis())
    assert failed.get_status() == JobStatus.FAILED
    assert hung.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in hung.latest_result().exc_string
    assert first.get_status() == last.get_status() == ghosts.get_status() == JobStatus.FINISHED
    (worker_pid, connection), after_the_failures = first.return_value(), last.return_value()
    assert worker_pid != os.getpid()
    assert after_the_failures == [worker_pid, connection], "a fork or a new pool per job"
    assert ghosts.return_value() == 0, "a failed job's writes were kept"
