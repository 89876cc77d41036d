"""The embedded mode's scheduler: a thread of the web process that runs the periodic work.

Without Redis there is no ``flask jobs scheduler``, so the web process runs ``PERIODIC``
itself and notifications and digests arrive without a hand-run ``flask jobs tick``. The thread
starts with the first request the process serves: the reloader's watching process serves none,
and neither do commands such as ``flask db upgrade``, so none of them starts one. It runs only
in the embedded mode and never under the test suite (``wants_ticker``); a test that wants one
makes its own ``Ticker``.

Each wake-up (every ``interval`` seconds) runs the periodic jobs whose time has come by
``clock``, all of them at the first; a job that fails is logged and runs again at its next time.
"""

import atexit
import logging
import threading
import time

from portal.config import is_embedded
from portal.extensions import db
from portal.jobs.schedule import PERIODIC, Periodic, run_now

log = logging.getLogger(__name__)


class Ticker:
    """Runs ``periodic`` jobs on time in a daemon thread, in an app context of ``app``."""

    def __init__(self, app, periodic=PERIODIC, *, interval: float = 1.0, clock=time.monotonic):
        self.app, self.periodic, self.interval, self.clock = app, periodic, interval, clock
        self.ticks = 0
        self._next_run: dict[Periodic, float] = {}
        self._stopping = threading.Event()
        self._ticked = threading.Condition()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread, unless it has been started already."""
        if self._thread is not None:
            return
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="portal-ticker", daemon=True)
                self._thread.start()
                atexit.register(self.stop)

    def stop(self, timeout: float = 10) -> None:
        """Stop the thread once the job at hand is done, and wait for it (up to ``timeout``)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.tick()
            self._stopping.wait(self.interval)

    def tick(self) -> list[Periodic]:
        """Run every periodic job due by ``clock`` now, each committed on its own; the ones run."""
        now = self.clock()
        due = [job for job in self.periodic if self._next_run.get(job, now) <= now]
        with self.app.app_context():
            for periodic in due:
                self._next_run[periodic] = now + periodic.every_seconds
                try:
                    run_now(periodic)
                except Exception:
                    db.session.rollback()
                    log.exception("periodic %s failed; it runs again in %s s",
                                  periodic.func.__name__, periodic.every_seconds)  # fmt: skip
        with self._ticked:
            self.ticks += 1
            self._ticked.notify_all()
        return due

    def wait_for_ticks(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` wake-ups have finished, at most ``timeout`` seconds; whether
        they have."""
        with self._ticked:
            return self._ticked.wait_for(lambda: self.ticks >= count, timeout)


def wants_ticker(app) -> bool:
    """Whether this app's web process runs the periodic work: in the embedded mode, outside
    the test suite."""
    return is_embedded(app.config) and not app.testing


def init_app(app) -> None:
    """In the embedded mode, start a ``Ticker`` with the first request (see the module doc);
    it is ``app.extensions["portal_ticker"]``."""
    if not wants_ticker(app):
        return
    ticker = app.extensions["portal_ticker"] = Ticker(app)
    app.before_request(ticker.start)
