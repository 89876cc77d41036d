"""The one seam through which work is queued.

``enqueue`` only records the wish; nothing leaves the process until the database transaction
that asked for it commits (a rollback drops it). After the commit the job goes to rq when
``REDIS_URL`` is set, or runs inline in this process (the embedded mode). Jobs take ids, never
ORM objects, and run in an app context given by the worker.

A job function marked ``@batched`` takes any number of items (``func(*items)``): the calls to
it that become ready together, in one transaction or one job, go out as one job per
``BATCH_LIMIT`` items, so a digest run or a burst of e-mail costs a few jobs, not thousands.

Delayed jobs (batched notifications) need rq's scheduler; inline they are left to the
periodic sweeps, which ``flask jobs tick`` runs on demand.

This seam depends on nothing but the extensions and the queue module: the services import it,
so the worker (``portal.jobs.worker``) and the commands (``portal.jobs.cli``) live apart.
"""

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs.queue import REDIS_TROUBLE, get_queue, get_redis

log = logging.getLogger(__name__)

QUEUES = ("mail", "default", "slow")
BATCH_LIMIT = 100
_PENDING = "portal_pending_jobs"
_READY = "portal_ready_jobs"


@dataclass(frozen=True)
class QueuedJob:
    func: object
    args: tuple
    queue: str
    delay: timedelta | None


def batched(func):
    """Mark ``func(*items)`` as a job that takes its items together (see the module's doc)."""
    func.batched = True
    return func


def enqueue(func, *args, queue: str = "default", delay: timedelta | None = None) -> None:
    """Run ``func(*args)`` as a job once the current transaction commits (``delay`` later)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still drops the job
    db.session.info.setdefault(_PENDING, []).append(QueuedJob(func, args, queue, delay))


@event.listens_for(Session, "after_commit")
def _promote_on_commit(session):
    pending = session.info.pop(_PENDING, [])
    if pending:
        session.info.setdefault(_READY, []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session, previous_transaction):
    session.info.pop(_PENDING, None)


def dispatch_ready() -> None:
    """Hand every job whose transaction has committed to rq, or run it inline.

    A queue that cannot be reached is logged, not raised: what the request saved stays saved,
    and the sweep jobs re-find undelivered work from the database.
    """
    jobs = _coalesced(db.session.info.pop(_READY, []))
    if current_app.config["REDIS_URL"]:
        _push_to_rq(jobs)
        return
    for job in jobs:
        if job.delay is None:
            _run_inline(job)


def _coalesced(jobs: list[QueuedJob]) -> list[QueuedJob]:
    """``jobs`` with the calls to each batched function (same queue and delay) merged into
    jobs of at most ``BATCH_LIMIT`` items, each where its first call stood."""
    merged: list[QueuedJob] = []
    filling: dict[tuple, int] = {}  # where the batch being filled stands in ``merged``
    for job in jobs:
        if not getattr(job.func, "batched", False):
            merged.append(job)
            continue
        key = (job.func, job.queue, job.delay)
        at = filling.get(key)
        if at is not None and len(merged[at].args) + len(job.args) <= BATCH_LIMIT:
            merged[at] = replace(merged[at], args=merged[at].args + job.args)
        else:
            filling[key] = len(merged)
            merged.append(job)
    return merged


def _push_to_rq(jobs: list[QueuedJob]) -> None:
    """Queue ``jobs`` over one connection. Once Redis has failed to answer, the rest are not
    tried: each would wait out the timeouts again."""
    if not jobs:
        return
    connection, answering = get_redis(), True
    for job in jobs:
        if not answering:
            log.error("could not enqueue %s%r: Redis did not answer; the sweeps will find it",
                      job.func, job.args)  # fmt: skip
            continue
        try:
            queue = get_queue(job.queue, connection)
            if job.delay is None:
                queue.enqueue(job.func, *job.args)
            else:
                queue.enqueue_in(job.delay, job.func, *job.args)
        except Exception as error:
            answering = not isinstance(error, REDIS_TROUBLE)
            log.exception("could not enqueue %s%r; the sweeps will find it", job.func, job.args)


def _run_inline(job: QueuedJob) -> None:
    try:
        job.func(*job.args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("inline job %s%r failed", job.func, job.args)
    dispatch_ready()


def each_in_its_own_transaction(items, work, what: str) -> None:
    """``work(item)`` for each of ``items`` (a batched job's), each committed on its own: one
    that fails is rolled back and logged as ``what`` of that item, and the rest go on; the
    sweeps find the failed ones again."""
    for item in items:
        try:
            work(item)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("%s %r failed; the next sweep tries again", what, item)


def init_app(app) -> None:
    """Dispatch committed jobs at the end of every request."""

    @app.after_request
    def _dispatch_after_request(response):
        dispatch_ready()
        return response
