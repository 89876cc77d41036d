"""rq queues on the configured Redis: the enqueue side, which needs no custom job class.

The worker runs what it takes off these queues as ``portal.jobs.worker.AppJob``.
"""

from flask import current_app
from redis import Redis
from rq import Queue


def get_redis() -> Redis:
    """A Redis connection for the configured ``REDIS_URL``."""
    return Redis.from_url(current_app.config["REDIS_URL"])


def get_queue(name: str, connection: Redis | None = None) -> Queue:
    """The rq queue called ``name``."""
    return Queue(name, connection=connection or get_redis())
