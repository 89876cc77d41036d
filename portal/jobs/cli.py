"""``flask jobs …``: the worker, the scheduler, and the periodic work on demand."""

import click
from flask.cli import AppGroup
from rq import SimpleWorker
from rq.cron import CronScheduler

from portal.jobs import QUEUES
from portal.jobs.outages import keep_scheduling, keep_working
from portal.jobs.queue import get_redis
from portal.jobs.schedule import PERIODIC, run_now
from portal.jobs.worker import AppJob

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.argument("queues", nargs=-1)
def worker(burst, queues):
    """Run an rq worker (with rq's scheduler for delayed jobs) inside the app.

    Jobs run in this process, one after another, on one connection pool: forking a work
    horse and reconnecting for every job cost more than most jobs do. rq still enforces each
    job's timeout (180 s unless enqueued with another), by an alarm in this process. A job
    that kills the process takes the worker with it; run it under a supervisor that restarts
    it, and the sweeps re-find what the lost job was doing. A Redis outage doesn't end it:
    it waits for Redis and carries on (``portal.jobs.outages``).
    """
    # Named, not Queue objects, so the worker builds its queues with AppJob.
    names = list(queues or QUEUES)
    if burst:
        SimpleWorker(names, connection=get_redis(), job_class=AppJob).work(
            burst=True, with_scheduler=True
        )
    else:
        keep_working(names)


@jobs_cli.command("scheduler")
def scheduler():
    """Enqueue the periodic work on time. Run exactly one of these. A Redis outage doesn't
    end it: it waits for Redis and carries on (``portal.jobs.outages``)."""
    cron = CronScheduler(connection=get_redis(), name="portal")
    for periodic in PERIODIC:
        cron.register(periodic.func, queue_name=periodic.queue, interval=periodic.every_seconds)
    keep_scheduling(cron)


@jobs_cli.command("tick")
def tick():
    """Do the periodic work once, now: sweep the outbox, send due notifications and digests.

    The embedded mode's web process does this by itself (``portal.jobs.ticker``); this is
    for a shell, or an embedded portal with no web process running.
    """
    for periodic in PERIODIC:
        run_now(periodic)
    click.echo("Done: outbox swept, due notifications and digests produced.")
