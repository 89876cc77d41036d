"""rq queues on the configured Redis: the enqueue side, which needs no custom job class.

The worker runs what it takes off these queues as ``portal.jobs.worker.AppJob``.
"""

from flask import current_app
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue

# Redis away, refusing or not answering in time.
REDIS_TROUBLE = (RedisConnectionError, RedisTimeoutError)


def get_redis() -> Redis:
    """A Redis connection for the configured ``REDIS_URL`` that gives up on connecting, and on
    each answer, after the configured timeouts, so a Redis that hangs holds no request for
    long. rq's worker lengthens the answer's timeout beyond its blocking dequeue's by itself
    (``rq.worker.base.BaseWorker._set_connection``)."""
    config = current_app.config
    return Redis.from_url(
        config["REDIS_URL"],
        socket_connect_timeout=config["REDIS_CONNECT_TIMEOUT_SECONDS"],
        socket_timeout=config["REDIS_TIMEOUT_SECONDS"],
    )


def get_queue(name: str, connection: Redis | None = None) -> Queue:
    """The rq queue called ``name``."""
    return Queue(name, connection=connection or get_redis())
