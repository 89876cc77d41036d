"""The job class the rq worker runs every job as, inside the app context."""

import os

from rq.job import Job

from portal.extensions import db
from portal.jobs import dispatch_ready


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
