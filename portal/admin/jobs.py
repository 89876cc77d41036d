"""What the rq queues hold, read for the admin jobs page, and putting a failed job back.

Reading never changes anything: registry counts and listings skip rq's cleanup, which the
workers do themselves. Every Redis error becomes ``QueueUnreachable`` so the page can say so.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.results import Result

from portal.jobs import QUEUES
from portal.jobs.queue import get_queue, get_redis

JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


class QueueUnreachable(Exception):
    """Redis could not be asked (down, refusing, or too slow)."""


@dataclass(frozen=True)
class QueueStats:
    name: str
    queued: int
    started: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    func_name: str
    failed_at: datetime | None
    error: str


@dataclass(frozen=True)
class JobsOverview:
    queues: list[QueueStats]
    workers: list[str]
    failed: list[FailedJob]


def overview(failed_per_queue: int = 50) -> JobsOverview:
    """Each queue's length and registries, the workers alive, and the newest failed jobs."""
    try:
        connection = get_redis()
        stats, failed = [], []
        for name in QUEUES:
            queue = get_queue(name, connection)
            failed_registry = FailedJobRegistry(queue=queue)
            stats.append(
                QueueStats(
                    name=name,
                    queued=queue.count,
                    started=StartedJobRegistry(queue=queue).get_job_count(cleanup=False),
                    scheduled=ScheduledJobRegistry(queue=queue).get_job_count(cleanup=False),
                    failed=failed_registry.get_job_count(cleanup=False),
                )
            )
            ids = failed_registry.get_job_ids(0, failed_per_queue - 1, desc=True, cleanup=False)
            jobs = Job.fetch_many(ids, connection=connection)
            failed.extend(_failed_job(job, name) for job in jobs if job is not None)
        workers = sorted(worker.name for worker in Worker.all(connection=connection))
    except RedisError as error:
        raise QueueUnreachable(str(error)) from error
    failed.sort(key=lambda job: job.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return JobsOverview(stats, workers, failed)


def _failed_job(job: Job, queue: str) -> FailedJob:
    try:
        func_name = job.func_name
    except Exception:  # a job whose data no longer deserialises is still worth listing
        func_name = "(unreadable)"
    result = job.latest_result()
    failed_at, error = job.ended_at, ""
    if result is not None and result.type == Result.Type.FAILED:
        failed_at = failed_at or result.created_at
        error = _last_line(result.exc_string)
    return FailedJob(job.id, queue, func_name, failed_at, error)


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def requeue_failed(job_id: str) -> str | None:
    """Put failed job ``job_id`` back on its queue; returns the queue's name, or None if no
    queue has such a failed job."""
    if not JOB_ID.fullmatch(job_id):
        return None
    try:
        connection = get_redis()
        for name in QUEUES:
            registry = FailedJobRegistry(queue=get_queue(name, connection))
            if job_id in registry:
                try:
                    registry.requeue(job_id)
                except (NoSuchJobError, InvalidJobOperation):
                    return None
                return name
    except RedisError as error:
        raise QueueUnreachable(str(error)) from error
    return None
