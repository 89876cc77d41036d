"""A job whose worker was killed under it leaves rq's started registry for the failed one
once its time is up, by the periodic work, without waiting for a worker's maintenance
(issue 12, defect 13). Real Redis, a real worker process, a real SIGKILL."""

import time
from datetime import UTC, datetime, timedelta

from rq.job import JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from portal.jobs.abandoned import fail_abandoned_jobs
from portal.jobs.queue import get_queue, get_redis
from portal.jobs.schedule import PERIODIC

JOB_TIMEOUT = 120
# rq gives an execution in our in-process worker its timeout and a minute.
ABANDONED_AFTER = timedelta(seconds=JOB_TIMEOUT + 60)


def hold_the_worker() -> None:
    """A job that waits for a release that never comes (until its worker is killed)."""
    get_redis().blpop("tests:release-the-worker", timeout=0)


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_job_whose_worker_was_killed_moves_to_the_failed_jobs(app, jobs_on_redis):
    with app.app_context():
        queue = get_queue("default")
        job = queue.enqueue(hold_the_worker, job_timeout=JOB_TIMEOUT)
        started, failed = StartedJobRegistry(queue=queue), FailedJobRegistry(queue=queue)

        worker = jobs_on_redis.start()
        wait_for(lambda: job.get_status(refresh=True) == JobStatus.STARTED)
        killed_at = datetime.now(UTC)
        jobs_on_redis.kill(worker)
        assert started.get_job_ids(cleanup=False) == [job.id]

        # Until its time is up it can't be told from a job still running: it stays.
        assert fail_abandoned_jobs(now=killed_at) == 0
        assert started.get_job_ids(cleanup=False) == [job.id]

        assert fail_abandoned_jobs(now=killed_at + ABANDONED_AFTER + timedelta(seconds=5)) == 1
        assert started.get_job_ids(cleanup=False) == []
        assert failed.get_job_ids(cleanup=False) == [job.id]
        assert job.get_status(refresh=True) == JobStatus.FAILED


def test_abandoned_jobs_are_looked_for_every_minute():
    assert any(p.func is fail_abandoned_jobs and p.every_seconds == 60 for p in PERIODIC)


def test_nothing_to_do_without_redis(app):
    with app.app_context():
        assert fail_abandoned_jobs() == 0
