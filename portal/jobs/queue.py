"""rq queues on the configured Redis."""

from flask import current_app
from redis import Redis
from rq import Queue


def get_redis() -> Redis:
    """A Redis connection for the configured ``REDIS_URL``."""
    return Redis.from_url(current_app.config["REDIS_URL"])


def get_queue(name: str) -> Queue:
    """The rq queue called ``name``."""
    return Queue(name, connection=get_redis())
