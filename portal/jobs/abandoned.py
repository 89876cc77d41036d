"""Jobs whose worker died under them: moved from rq's started registry to the failed one.

A worker killed in the middle of a job (SIGKILL, out of memory, a lost machine) leaves the
job in its queue's ``StartedJobRegistry``, where the admin jobs page counts it as running.
rq counts it abandoned once its execution's time is up (the job's timeout plus a minute,
for our in-process workers), but only a worker's maintenance moves it on, at start and
every ten minutes. This periodic work does it every minute, for every queue, so an
abandoned job turns up among the failed ones, where an admin can put it back.

Nothing is run again from here: every job is idempotent and its work is found again from
the database by the sweeps (undelivered mail by ``sweep_outbox``, unprocessed files by
``sweep_unprocessed``, digests by ``schedule_digests``), whichever job was lost.
"""

import logging
from datetime import UTC, datetime

from flask import current_app
from rq.registry import StartedJobRegistry

from portal.jobs import QUEUES
from portal.jobs.queue import get_queue, get_redis

log = logging.getLogger(__name__)


def fail_abandoned_jobs(now: datetime | None = None) -> int:
    """Move every job abandoned by ``now`` from the started registries to the failed ones;
    how many were found. Nothing to do in the embedded mode (no Redis)."""
    if not current_app.config["REDIS_URL"]:
        return 0
    timestamp = (now or datetime.now(UTC)).timestamp()
    connection, abandoned = get_redis(), 0
    for name in QUEUES:
        registry = StartedJobRegistry(queue=get_queue(name, connection))
        expired = registry.get_expired_job_ids(timestamp)
        if expired:
            log.warning("%s: %s abandoned jobs moved to failed: %s", name, len(expired), expired)
            registry.cleanup(timestamp)
            abandoned += len(expired)
    return abandoned
