"""What one request costs inside the app: SQL statements, the rows they return, the time
spent in the database, and the response's bytes; measured with the app's test client.

Two passes per page after a warm-up request: the first counts statements and times them,
the second counts each SELECT's rows by running ``SELECT count(*) FROM (<statement>)`` with
the same parameters on the same connection just before it (so the timing pass stays clean).
"""

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event

from portal import create_app
from portal.config import normalise_database_url
from portal.extensions import db
from tests.access.consistency import CHECK_OPTION
from tests.perf.pages import CSRF_FIELD, CSRF_HEADER, POST_BODY_PREFIX, USER_AGENT, Page

_SELECT = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


@dataclass
class Cost:
    status: int
    statements: int
    rows: int
    bytes: int
    db_ms: float
    request_ms: float  # the whole request, unloaded


class SqlMeter:
    """Counts statements, their time and (with ``count_rows``) the rows SELECTs return."""

    def __init__(self, count_rows: bool):
        self.count_rows = count_rows
        self.statements = 0
        self.rows = 0
        self.seconds = 0.0
        self._started = 0.0

    def before(self, conn, cursor, statement, parameters, context, executemany):
        if context.execution_options.get(CHECK_OPTION):  # the suite's access check, not the app
            return
        countable = not executemany and _SELECT.match(statement)
        if self.count_rows and countable and "FOR UPDATE" not in statement.upper():
            counter = cursor.connection.cursor()
            try:
                counter.execute(f"SELECT count(*) FROM ({statement}) AS bench_rows", parameters)
                self.rows += counter.fetchone()[0]
            finally:
                counter.close()
        self._started = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if context.execution_options.get(CHECK_OPTION):
            return
        self.seconds += time.perf_counter() - self._started
        self.statements += 1


@contextmanager
def metered(engine, count_rows: bool):
    meter = SqlMeter(count_rows)
    event.listen(engine, "before_cursor_execute", meter.before)
    event.listen(engine, "after_cursor_execute", meter.after)
    try:
        yield meter
    finally:
        event.remove(engine, "before_cursor_execute", meter.before)
        event.remove(engine, "after_cursor_execute", meter.after)


class InProcess:
    """The portal in this process, configured as the bench's gunicorn is, with one signed-in
    test client per persona."""

    def __init__(self, environment: dict, personas: dict):
        overrides = {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(environment["DATABASE_URL"]),
            # The test client speaks plain http; the production cookie is Secure.
            "SESSION_COOKIE_SECURE": False,
        }
        self.app = create_app(overrides, environ=environment)
        self.personas = personas
        self.clients = {}
        self.csrf = {}

    def client(self, persona: str):
        if persona not in self.clients:
            browser = self.app.test_client()
            browser.environ_base["HTTP_USER_AGENT"] = USER_AGENT
            token = CSRF_FIELD.search(browser.get("/login").text).group(1)
            response = browser.post(
                "/login",
                data={
                    "csrf_token": token,
                    "email": self.personas["personas"][persona],
                    "password": self.personas["password"],
                },
            )
            if response.status_code != 302:
                raise RuntimeError(f"in-process sign-in of {persona}: {response.status_code}")
            self.csrf[persona] = CSRF_HEADER.search(browser.get("/account").text).group(1)
            self.clients[persona] = browser
        return self.clients[persona]

    def _send(self, page: Page, sequence: int):
        browser = self.client(page.persona)
        headers = {"HX-Request": "true"} if page.htmx else {}
        if page.method == "POST":
            headers["X-CSRFToken"] = self.csrf[page.persona]
            data = {"body": f"{POST_BODY_PREFIX} in-process {sequence}"}
            return browser.post(page.path, data=data, headers=headers)
        return browser.get(page.path, headers=headers)

    def cost(self, page: Page) -> Cost:
        """The page's cost, after one warm-up request; raises if it answers unexpectedly."""
        with self.app.app_context():
            engine = db.engine
        warm = self._send(page, 0)
        if warm.status_code != page.expect:
            raise RuntimeError(f"{page.name}: HTTP {warm.status_code}, expected {page.expect}")
        with metered(engine, count_rows=False) as timing:
            started = time.perf_counter()
            response = self._send(page, 1)
            request_ms = (time.perf_counter() - started) * 1000
        size = len(response.get_data())
        with metered(engine, count_rows=True) as counting:
            self._send(page, 2)
        return Cost(
            response.status_code,
            timing.statements,
            counting.rows,
            size,
            timing.seconds * 1000,
            request_ms,
        )

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
