"""The embedded mode's web process: it logs each e-mail to the console, and runs the periodic
work itself in a ticker thread, so nothing waits for a hand-run ``flask jobs tick``."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import create_app
from portal.config import is_embedded
from portal.extensions import db
from portal.jobs.schedule import Periodic
from portal.jobs.ticker import Ticker, wants_ticker
from portal.mail.delivery import deliver_email
from portal.models import EmailMessage, EmailStatus, utcnow
from tests.admin.test_outbox_and_jobs import make_email

# A bound on waiting for the ticker thread, never a wait for time to pass.
PATIENCE = 30


@pytest.fixture
def embedded_app(database_url, tmp_path):
    """The app as ``flask run`` builds it with nothing configured (on the tests' database):
    the embedded mode, outside the test suite. The ``portal`` logger is put back afterwards."""
    logger = logging.getLogger("portal")
    level, handlers = logger.level, list(logger.handlers)
    app = create_app(
        environ={
            "DATABASE_URL": database_url,
            "SECRET_KEY": "embedded-" + "k" * 32,
            "UPLOAD_DIR": str(tmp_path),
            "PUBLIC_URL": "http://portal.test",
        }
    )
    yield app
    if "portal_ticker" in app.extensions:
        app.extensions["portal_ticker"].stop()
    with app.app_context():
        db.engine.dispose()
    logger.setLevel(level)
    logger.handlers[:] = handlers


def status_of(app, message_id) -> str:
    with app.app_context():
        return db.session.scalar(select(EmailMessage.status).where(EmailMessage.id == message_id))


@pytest.mark.parametrize(
    ("environment", "redis_url", "embedded"),
    [
        ("development", None, True),
        ("testing", None, True),
        ("development", "redis://127.0.0.1:6379/0", False),
        ("production", None, False),
        ("production", "redis://127.0.0.1:6379/0", False),
    ],
)
def test_the_embedded_mode_is_no_redis_outside_production(environment, redis_url, embedded):
    assert is_embedded({"PORTAL_ENV": environment, "REDIS_URL": redis_url}) is embedded


def test_the_embedded_web_process_prints_each_email_on_the_console(embedded_app, capsys):
    with embedded_app.app_context():
        message = make_email(
            subject="Reset your password",
            text_body="Choose a new one: http://portal.test/reset/the-whole-token_123",
        )
        deliver_email(message.id)

    console = capsys.readouterr().err
    assert "Reset your password" in console
    assert "http://portal.test/reset/the-whole-token_123" in console


def test_only_the_embedded_web_process_runs_a_ticker(app, embedded_app, monkeypatch):
    assert not wants_ticker(app), "never under the test suite"
    assert "portal_ticker" not in app.extensions
    assert wants_ticker(embedded_app)
    monkeypatch.setitem(embedded_app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    assert not wants_ticker(embedded_app), "with Redis, the scheduler process does the work"


def test_the_ticker_starts_with_the_first_request_and_stops(embedded_app):
    ticker = embedded_app.extensions["portal_ticker"]
    assert not ticker.running, "creating the app (a CLI command, the reloader) starts nothing"

    embedded_app.test_client().get("/healthz")
    embedded_app.test_client().get("/healthz")

    assert ticker.running
    assert ticker.wait_for_ticks(1, timeout=PATIENCE)
    ticker.stop()
    assert not ticker.running


def test_the_ticker_runs_the_periodic_work(app):
    """A message whose delivery job was lost goes out without anyone running a command."""
    with app.app_context():
        lost = make_email(EmailStatus.PENDING, next_attempt_at=utcnow() - timedelta(minutes=5))
    ticker = Ticker(app, interval=0.01)

    ticker.start()
    try:
        assert ticker.wait_for_ticks(1, timeout=PATIENCE)
    finally:
        ticker.stop()

    assert status_of(app, lost.id) == EmailStatus.LOGGED


def test_each_periodic_job_runs_when_its_time_has_come(app):
    runs = []
    every_minute = Periodic(lambda: runs.append("minute"), 60, "default")
    every_five_minutes = Periodic(lambda: runs.append("five"), 300, "default")
    now = [1000.0]
    ticker = Ticker(app, (every_minute, every_five_minutes), clock=lambda: now[0])

    def tick_at(seconds):
        now[0] = 1000.0 + seconds
        runs.clear()
        ticker.tick()
        return sorted(runs)

    assert tick_at(0) == ["five", "minute"], "everything runs at the start"
    assert tick_at(59) == []
    assert tick_at(60) == ["minute"]
    assert tick_at(119) == []
    assert tick_at(300) == ["five", "minute"]


def test_a_failing_job_does_not_stop_the_others_and_runs_again_later(app, caplog):
    caplog.set_level(logging.ERROR, logger="portal.jobs.ticker")
    runs = []

    def explode():
        raise RuntimeError("kaboom in a periodic job")

    failing = Periodic(explode, 60, "default")
    fine = Periodic(lambda: runs.append("fine"), 60, "default")
    now = [0.0]
    ticker = Ticker(app, (failing, fine), clock=lambda: now[0])

    assert ticker.tick() == [failing, fine]
    now[0] = 60.0
    assert ticker.tick() == [failing, fine]

    assert runs == ["fine", "fine"]
    assert sum("kaboom" in (r.exc_text or "") for r in caplog.records) == 2
