"""``flask jobs …``: the worker, the scheduler, and the periodic work on demand."""

import click
from flask.cli import AppGroup
from rq import Worker
from rq.cron import CronScheduler

from portal.extensions import db
from portal.jobs import QUEUES, dispatch_ready

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.argument("queues", nargs=-1)
def worker(burst, queues):
    """Run an rq worker (with rq's scheduler for delayed jobs) inside the app."""
    from portal.jobs.queue import AppJob, get_queue, get_redis

    connection = get_redis()
    names = queues or QUEUES
    Worker(
        [get_queue(name, connection) for name in names], connection=connection, job_class=AppJob
    ).work(burst=burst, with_scheduler=True)


@jobs_cli.command("scheduler")
def scheduler():
    """Enqueue the periodic work on time. Run exactly one of these."""
    from portal.jobs.queue import get_redis
    from portal.jobs.schedule import PERIODIC

    cron = CronScheduler(connection=get_redis(), name="portal")
    for periodic in PERIODIC:
        cron.register(periodic.func, queue_name=periodic.queue, interval=periodic.every_seconds)
    cron.start()


@jobs_cli.command("tick")
def tick():
    """Do the periodic work once, now: sweep the outbox, send due notifications and digests.

    In the embedded mode (no Redis) this is how notifications and digests go out.
    """
    from portal.jobs.schedule import PERIODIC

    for periodic in PERIODIC:
        periodic.func()
        db.session.commit()
        dispatch_ready()
    click.echo("Done: outbox swept, due notifications and digests produced.")
