"""The one seam through which work is queued.

``enqueue`` only records the wish; nothing leaves the process until the database transaction
that asked for it commits (a rollback drops it). After the commit the job goes to rq when
``REDIS_URL`` is set, or runs inline in this process (the embedded mode). Jobs take ids, never
ORM objects, and run in an app context given by the worker.

Delayed jobs (batched notifications) need rq's scheduler; inline they are left to the
periodic sweeps, which ``flask jobs tick`` runs on demand.

This seam depends on nothing but the extensions and the queue module: the services import it,
so the worker (``portal.jobs.worker``) and the commands (``portal.jobs.cli``) live apart.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs.queue import get_queue

log = logging.getLogger(__name__)

QUEUES = ("mail", "default", "slow")
_PENDING = "portal_pending_jobs"
_READY = "portal_ready_jobs"


@dataclass(frozen=True)
class QueuedJob:
    func: object
    args: tuple
    queue: str
    delay: timedelta | None


def enqueue(func, *args, queue: str = "default", delay: timedelta | None = None) -> None:
    """Run ``func(*args)`` as a job once the current transaction commits (``delay`` later)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
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
    ready = db.session.info.pop(_READY, [])
    for job in ready:
        if current_app.config["REDIS_URL"]:
            _push_to_rq(job)
        elif job.delay is None:
            _run_inline(job)


def _push_to_rq(job: QueuedJob) -> None:
    try:
        queue = get_queue(job.queue)
        if job.delay is None:
            queue.enqueue(job.func, *job.args)
        else:
            queue.enqueue_in(job.delay, job.func, *job.args)
    except Exception:
        log.exception("could not enqueue %s%r; the sweeps will find it", job.func, job.args)


def _run_inline(job: QueuedJob) -> None:
    try:
        job.func(*job.args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("inline job %s%r failed", job.func, job.args)
    dispatch_ready()


def init_app(app) -> None:
    """Dispatch committed jobs at the end of every request."""

    @app.after_request
    def _dispatch_after_request(response):
        dispatch_ready()
        return response
