"""The job class the rq worker runs every job as, inside the app context."""

from flask import current_app
from rq.job import Job

from portal.extensions import db
from portal.jobs import dispatch_ready


class AppJob(Job):
    """An rq job that commits its work, then dispatches what it queued, in the app context.

    The worker command (rq's ``SimpleWorker``) runs every job in the worker process itself,
    without a fork, so the connection pool lives as long as the worker. Each job gets an app
    context, and with it a database session, of its own: a job that fails or times out (rq
    raises ``JobTimeoutException`` inside it) is rolled back and its session thrown away, so
    the next job starts clean on a connection the pool has reset.
    """

    def perform(self):
        with current_app.app_context():
            try:
                result = super().perform()
                db.session.commit()
                dispatch_ready()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
