"""The worker and the scheduler outlive a Redis outage.

rq's worker quits when Redis goes away while it is busy (its bookkeeping after the job
raises), and rq's cron scheduler quits when Redis is away at one of its wake-ups or as it
starts. Either way the process ended, and no more jobs ran until someone started it again
(under honcho the whole stack stopped with it). Here each waits for Redis and carries on:
the worker with a new rq worker, the scheduler with the same one, which queues once what
fell due meanwhile. Nothing is lost while they wait: the web process keeps what it is sent
(``dispatch_ready`` logs a job it can't queue), and the sweeps find again the work whose job
was lost, once the scheduler runs again.
"""

import logging
import signal
import time

from redis import Redis
from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from portal.jobs.queue import REDIS_TROUBLE, get_redis
from portal.jobs.worker import AppJob

log = logging.getLogger(__name__)

# How long to wait between tries while Redis is away: doubling from the first to the longest.
FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 10.0


class PortalWorker(SimpleWorker):
    """rq's in-process worker, running every job as ``AppJob``, that remembers whether it
    was asked to stop (by SIGTERM or SIGINT), as opposed to giving up by itself."""

    stop_requested = False

    def request_stop(self, signum, frame):
        self.stop_requested = True
        super().request_stop(signum, frame)


def keep_working(queue_names: list[str]) -> None:
    """Work on ``queue_names`` until asked to stop. A work loop that ends otherwise (Redis
    went away) is started again, on a new worker, once Redis answers."""
    while True:
        worker = PortalWorker(queue_names, connection=get_redis(), job_class=AppJob)
        try:
            worker.work(with_scheduler=True)
        except REDIS_TROUBLE as error:
            log.warning("the worker lost Redis: %s", error)
        if worker.stop_requested:
            return
        # Nothing is running now: a stop signal may end the process as it is.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(FIRST_WAIT_SECONDS)  # a loop that keeps ending is not restarted hot
        wait_for_redis(worker.connection, "the worker")


def keep_scheduling(cron: CronScheduler) -> None:
    """Run ``cron`` until asked to stop; when Redis goes away, wait for it and carry on."""
    while True:
        try:
            cron.start()  # returns when asked to stop
            return
        except REDIS_TROUBLE as error:
            log.warning("the scheduler lost Redis: %s", error)
        try:
            wait_for_redis(cron.connection, "the scheduler")
        except StopRequested:  # cron's signal handlers raise it
            return


def wait_for_redis(connection: Redis, who: str) -> None:
    """Return once Redis answers on ``connection``, asking again less and less often."""
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            connection.ping()
            return
        except REDIS_TROUBLE as error:
            log.warning("%s: Redis is unreachable (%s); asking again in %.0f s", who, error, wait)
        time.sleep(wait)
        wait = min(2 * wait, LONGEST_WAIT_SECONDS)
