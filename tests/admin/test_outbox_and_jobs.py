"""The admin outbox (with retry of failed e-mail) and the jobs page (rq queues, or inline)."""

import itertools
from datetime import timedelta

import pytest
from redis import Redis
from rq import SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from portal import counting
from portal.admin import services as admin_services
from portal.admin.services import outbox_counts
from portal.extensions import db
from portal.jobs.queue import get_queue, get_redis
from portal.jobs.worker import AppJob
from portal.models import ClientRole, EmailMessage, EmailStatus, Event, StaffRole, utcnow
from tests.factories import make_client, make_client_user, make_staff, persist, sign_in

_numbers = itertools.count(1)


# --- jobs for rq to import: module-level, so a worker finds them by name ---------------------


def do_nothing(*args):
    """A job that succeeds."""
    return None


def explode():
    """A job that fails."""
    raise RuntimeError("kaboom from the test job")


# --- helpers -------------------------------------------------------------------------------


def make_email(status=EmailStatus.PENDING, **overrides) -> EmailMessage:
    """An outbox row, committed."""
    n = next(_numbers)
    fields = {
        "dedupe_key": f"test-outbox-{n}",
        "to_address": f"person{n}@example.test",
        "subject": f"Subject {n}",
        "text_body": "Hello there.",
        "status": status,
    } | overrides
    return persist(EmailMessage(**fields))


def reload(app, message):
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.get(EmailMessage, message.id)


@pytest.fixture
def admin(app):
    with app.app_context():
        return make_staff(StaffRole.ADMIN, name="Ada Admin")


@pytest.fixture
def admin_browser(client, admin):
    sign_in(client, admin)
    return client


NON_ADMINS = {
    "client admin": lambda: make_client_user(make_client(), ClientRole.ADMIN),
    "account manager": lambda: make_staff(StaffRole.ACCOUNT_MANAGER),
    "copywriter": lambda: make_staff(StaffRole.COPYWRITER),
}


@pytest.fixture
def redis(app, monkeypatch, redis_server):
    """A Redis of the test's own (a real redis-server process), as the app's REDIS_URL."""
    connection = Redis.from_url(redis_server.url)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    yield connection
    connection.close()


# --- the outbox ----------------------------------------------------------------------------


def test_the_outbox_lists_messages_newest_first(app, admin_browser):
    with app.app_context():
        now = utcnow()
        older = make_email(EmailStatus.SENT, subject="Older one", created_at=now - timedelta(1))
        newer = make_email(EmailStatus.PENDING, subject="Newer one", created_at=now)

    page = admin_browser.get("/admin/outbox").text

    assert page.index(newer.subject) < page.index(older.subject)
    assert newer.to_address in page and older.to_address in page


def test_the_outbox_filters_by_status(app, admin_browser):
    with app.app_context():
        make_email(EmailStatus.SENT, subject="Went out fine")
        make_email(EmailStatus.FAILED, subject="Never arrived", last_error="SMTPError: no")

    page = admin_browser.get("/admin/outbox?status=failed").text

    assert "Never arrived" in page
    assert "Went out fine" not in page
    assert admin_browser.get("/admin/outbox?status=sent").text.count("Went out fine") == 1


def test_an_unknown_status_filter_is_a_bad_request(admin_browser):
    assert admin_browser.get("/admin/outbox?status=lost").status_code == 400


def test_the_outbox_shows_fifty_a_page(app, admin_browser):
    with app.app_context():
        for _ in range(51):
            make_email(EmailStatus.LOGGED)

    first = admin_browser.get("/admin/outbox").text
    second = admin_browser.get("/admin/outbox?page=2").text

    assert first.count("<tr>") - 1 == 50  # less the header row
    assert "Page 1 of 2" in first
    assert second.count("<tr>") - 1 == 1


def test_each_status_is_counted_no_further_than_just_past_the_cap(app, admin_browser, monkeypatch):
    monkeypatch.setattr(counting, "COUNT_CAP", 3)
    with app.app_context():
        for _ in range(5):
            make_email(EmailStatus.LOGGED)
        make_email(EmailStatus.FAILED)
        assert outbox_counts() == {"pending": 0, "sent": 0, "logged": 4, "failed": 1}

    page = admin_browser.get("/admin/outbox").text

    assert "all</strong> (3+)" in page
    assert ">logged</a> (3+)" in page and ">failed</a> (1)" in page


def test_a_failed_message_shows_its_last_error_and_a_retry_button(app, admin_browser):
    with app.app_context():
        failed = make_email(
            EmailStatus.FAILED, attempts=6, last_error="SMTPRecipientsRefused: mailbox full"
        )
        sent = make_email(EmailStatus.SENT, attempts=1)

    page = admin_browser.get("/admin/outbox").text

    assert "SMTPRecipientsRefused: mailbox full" in page
    assert f'action="/admin/outbox/{failed.id}/retry' in page
    assert f"/admin/outbox/{sent.id}/retry" not in page


def test_without_a_mail_server_the_outbox_explains_logged_messages(app, admin_browser):
    with app.app_context():
        make_email(EmailStatus.LOGGED, subject="Would have gone out")

    page = admin_browser.get("/admin/outbox").text

    assert "written to the application log" in page
    assert "Would have gone out" in page


def test_with_a_mail_server_there_is_no_such_explanation(app, admin_browser, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")

    assert "written to the application log" not in admin_browser.get("/admin/outbox").text


def test_retrying_gives_a_failed_message_fresh_attempts(app, admin):
    with app.app_context():
        failed = make_email(EmailStatus.FAILED, attempts=6, last_error="OSError: refused")
        message = db.session.get(EmailMessage, failed.id)

        admin_services.retry_email(admin, message)

        assert message.status == EmailStatus.PENDING
        assert message.attempts == 0
        assert message.next_attempt_at is not None
        db.session.rollback()


def test_retry_delivers_the_message_again(app, admin_browser, admin):
    """Embedded mode: the delivery job runs inline after the commit and logs the message."""
    with app.app_context():
        failed = make_email(EmailStatus.FAILED, attempts=6, last_error="OSError: refused")

    response = admin_browser.post(f"/admin/outbox/{failed.id}/retry?status=failed&page=1")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/outbox?status=failed&page=1"
    message = reload(app, failed)
    assert message.status == EmailStatus.LOGGED
    assert message.attempts == 1
    assert message.sent_at is not None
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.verb == "email_retried")).one()
        assert event.actor_id == admin.id
        assert event.subject_id == failed.id
    assert "Trying again to deliver" in admin_browser.get(response.headers["Location"]).text


def test_only_failed_messages_can_be_retried(app, admin_browser):
    with app.app_context():
        sent = make_email(EmailStatus.SENT, attempts=1)

    response = admin_browser.post(f"/admin/outbox/{sent.id}/retry")

    assert response.status_code == 409
    assert "Only failed messages can be retried; this one is sent." in response.text
    message = reload(app, sent)
    assert (message.status, message.attempts) == (EmailStatus.SENT, 1)


def test_retrying_a_missing_message_is_not_found(admin_browser):
    assert admin_browser.post("/admin/outbox/999999/retry").status_code == 404


@pytest.mark.parametrize("who", sorted(NON_ADMINS))
def test_non_admins_are_refused(app, client, who):
    with app.app_context():
        failed = make_email(EmailStatus.FAILED, attempts=6)
        sign_in(client, NON_ADMINS[who]())

    assert client.get("/admin/outbox").status_code == 403
    assert client.post(f"/admin/outbox/{failed.id}/retry").status_code == 403
    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/some-job/retry").status_code == 403
    assert reload(app, failed).status == EmailStatus.FAILED


def test_the_admin_nav_links_to_the_outbox_and_the_jobs(admin_browser):
    page = admin_browser.get("/admin/people").text

    assert 'href="/admin/outbox"' in page
    assert 'href="/admin/jobs"' in page


# --- the jobs page -------------------------------------------------------------------------


def test_without_redis_the_jobs_page_says_jobs_run_inline(app, admin_browser):
    with app.app_context():
        make_email(EmailStatus.FAILED)
        make_email(EmailStatus.LOGGED)
        make_email(EmailStatus.LOGGED)

    response = admin_browser.get("/admin/jobs")

    assert response.status_code == 200
    assert "jobs run inline in the web process" in response.text
    assert '<a href="/admin/outbox?status=logged">Logged</a></td><td>2</td>' in response.text
    assert '<a href="/admin/outbox?status=failed">Failed</a></td><td>1</td>' in response.text


def test_without_redis_there_is_no_job_to_retry(admin_browser):
    assert admin_browser.post("/admin/jobs/some-job/retry").status_code == 404


def fail_a_job(app) -> str:
    """Enqueue a job on the mail queue that raises, and run it to failure; returns its id."""
    with app.app_context():
        queue = get_queue("mail")
        job = queue.enqueue(explode)
        SimpleWorker([queue], connection=get_redis(), job_class=AppJob).work(burst=True)
        return job.id


def test_the_jobs_page_shows_queue_lengths(app, admin_browser, redis):
    with app.app_context():
        get_queue("default").enqueue(do_nothing, 1)
        get_queue("default").enqueue(do_nothing, 2)
        get_queue("slow").enqueue(do_nothing, 3)

    response = admin_browser.get("/admin/jobs")

    assert response.status_code == 200
    assert "<tr><td>mail</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>" in response.text
    assert "<tr><td>default</td><td>2</td><td>0</td><td>0</td><td>0</td></tr>" in response.text
    assert "<tr><td>slow</td><td>1</td><td>0</td><td>0</td><td>0</td></tr>" in response.text
    assert "No worker is alive" in response.text
    assert "No failed jobs." in response.text


def test_a_failed_job_shows_with_its_error_and_a_retry_button(app, admin_browser, redis):
    job_id = fail_a_job(app)

    page = admin_browser.get("/admin/jobs").text

    assert "<tr><td>mail</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>" in page
    assert job_id in page
    assert "tests.admin.test_outbox_and_jobs.explode" in page
    assert "RuntimeError: kaboom from the test job" in page
    assert f'action="/admin/jobs/{job_id}/retry"' in page


def test_retry_puts_a_failed_job_back_on_its_queue(app, admin_browser, redis):
    job_id = fail_a_job(app)

    response = admin_browser.post(f"/admin/jobs/{job_id}/retry")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/jobs"
    with app.app_context():
        queue = get_queue("mail")
        assert queue.job_ids == [job_id]
        assert job_id not in FailedJobRegistry(queue=queue)
    page = admin_browser.get("/admin/jobs").text
    assert f"Job {job_id} is back on the mail queue." in page
    assert "<tr><td>mail</td><td>1</td><td>0</td><td>0</td><td>0</td></tr>" in page


@pytest.mark.parametrize("job_id", ["no-such-job", "not.a.job!", "x" * 101])
def test_retrying_an_unknown_or_malformed_job_is_not_found(admin_browser, redis, job_id):
    assert admin_browser.post(f"/admin/jobs/{job_id}/retry").status_code == 404


def test_an_unreachable_redis_gets_a_message_not_an_error(app, admin_browser, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")

    page = admin_browser.get("/admin/jobs")
    retry = admin_browser.post("/admin/jobs/some-job/retry")

    assert page.status_code == 503
    assert "Redis can't be reached" in page.text
    assert retry.status_code == 302
    assert "Redis can&#39;t be reached, so the job stays where it is." in (
        admin_browser.get("/admin/jobs").text
    )
