"""rq queues on the configured Redis, whose jobs run inside the app."""

import os

from flask import current_app
from redis import Redis
from rq import Queue
from rq.job import Job

from portal.extensions import db
from portal.jobs import dispatch_ready


def get_redis() -> Redis:
    """A Redis connection for the configured ``REDIS_URL``."""
    return Redis.from_url(current_app.config["REDIS_URL"])


def get_queue(name: str, connection: Redis | None = None) -> Queue:
    """The rq queue called ``name``."""
    return Queue(name, connection=connection or get_redis(), job_class=AppJob)


class AppJob(Job):
    """An rq job that commits its work, then dispatches what it queued, in the app context.

    The worker command pushes the app context; a forked work horse first drops the database
    connections it inherited, so parent and child never share a socket.
    """

    _pid_with_fresh_pool = None

    def perform(self):
        if AppJob._pid_with_fresh_pool != os.getpid():
            db.engine.dispose(close=False)
            AppJob._pid_with_fresh_pool = os.getpid()
        try:
            result = super().perform()
            db.session.commit()
            dispatch_ready()
            return result
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
