"""What must never reach a client, nor a maker, of relationship health: score, band, pulse,
drivers and alerts; and what one account's manager must never see of another's."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.digests.services import send_digest
from portal.drafts import services as draft_services
from portal.extensions import db
from portal.health.snapshots import snapshot_day, take_snapshots
from portal.models import (
    Band,
    Comment,
    EmailMessage,
    HealthAlert,
    HealthSnapshot,
    Pulse,
    PulseRating,
    User,
    utcnow,
)
from portal.notifications.services import send_notifications
from tests.drafts.helpers import HTMX, count, text_of
from tests.factories import make_comment, make_thread, persist
from tests.review import browser_for, make_draft_in_review

SECRET = "SECRET"  # every canary below carries it
# What a page shows of health besides the canaries: the score, its band badge, the pulse.
HEALTH_MARKS = (SECRET, "out of 100", "band-", "pulse", 'href="/health', '/health"')


def canary_snapshot(client, day, name: str) -> HealthSnapshot:
    """A snapshot written by hand, with a canary in every text a staff page shows."""
    return persist(
        HealthSnapshot(
            client_id=client.id, day=day, score=88, band=Band.HEALTHY,
            signals=[{"key": "sentiment", "label": "Sentiment", "explanation": "",
                      "display": f"SECRET-SIGNAL-{name}", "measures": {}, "weight": 15,
                      "score": 88, "contribution": 10}],
            drivers=[canary_driver(client, name)],
            triggers=[{"key": "pulse_poor", "text": f"SECRET-TRIGGER-{name}", "cap": "watch"}],
            outside_in={"median_reply_hours": 1.5, "answered_within_day": 1.0,
                        "note": f"SECRET-OUTSIDE-{name}"},
        )
    )  # fmt: skip


def canary_driver(client, name: str) -> dict:
    return {"key": "pulse", "text": f"SECRET-DRIVER-{name}", "action": "follow up",
            "endpoint": "health.client", "values": {"slug": client.slug}}  # fmt: skip


@pytest.fixture
def health_secrets(app, account):
    """Both clients with a Poor pulse, yesterday's snapshot and an alert, all carrying
    canaries; today's snapshots taken by the real job (their drivers quote the pulse); and
    the ordinary work a client sees: a draft in review, a thread, mentions of the clients."""
    with app.app_context():
        now = utcnow()
        yesterday = snapshot_day(now) - timedelta(days=1)
        draft = make_draft_in_review(account, title="Homepage intro", body="Roasted in Leeds.")
        make_comment(draft_services.draft_thread(draft), account.reviewer, "Is Leeds right?")
        thread = make_thread(account.client, account.reviewer, project=account.project,
                             title="Launch date", body="When do we launch?")  # fmt: skip
        make_comment(thread, account.manager, "@hannah @omar early April.")
        south = make_thread(account.other_client, account.other_staff, title="Hello",
                            body="@sid welcome to Portal.")  # fmt: skip
        for client, author, name in (
            (account.client, account.manager, "NORTH"),
            (account.other_client, account.other_staff, "SOUTH"),
        ):
            persist(Pulse(client_id=client.id, author_id=author.id, rating=PulseRating.POOR,
                          comment=f"SECRET-PULSE-{name} they are shopping around",
                          created_at=now - timedelta(hours=1)))  # fmt: skip
            canary_snapshot(client, yesterday, name)
            persist(HealthAlert(client_id=client.id, day=yesterday, cause="trigger",
                                cause_key=f"trigger:canary:{name}", text=f"SECRET-ALERT-{name}",
                                band_to="watch", created_at=now - timedelta(hours=2)))  # fmt: skip
        take_snapshots(now)
        today = db.session.scalar(
            select(HealthSnapshot).where(
                HealthSnapshot.client_id == account.client.id,
                HealthSnapshot.day == snapshot_day(now),
            )
        )
        today.drivers = [canary_driver(account.client, "TODAY"), *today.drivers]
        db.session.commit()
        # The e-mails the clients get: a digest each, and the mention notifications.
        for comment in db.session.scalars(select(Comment)):
            comment.created_at -= timedelta(minutes=10)
        db.session.commit()
        for person in (account.reviewer, account.second_reviewer, account.other_reviewer):
            send_digest(person.id, "daily:isolation", (utcnow() + timedelta(minutes=1)).isoformat())
            send_notifications(person.id)
        db.session.commit()
    return {"draft": draft, "thread": thread, "south_thread": south}


def assert_nothing_of_health(response, url=""):
    assert response.status_code in (200, 204), (url, response.status_code)
    html = text_of(response)
    found = [mark for mark in HEALTH_MARKS if mark in html]
    assert found == [], (url, found)


def client_pages(account, secrets, who: str) -> list[str]:
    """Every page and fragment the client ``who`` can reach."""
    own = {"other_reviewer": "/clients/southwind"}.get(who, account.base)
    common = ["/", "/inbox", "/account", "/account/digest", "/account/notifications",
              "/account/password", own, f"{own}/conversations/new"]  # fmt: skip
    if who == "other_reviewer":
        thread = secrets["south_thread"]
        return [
            *common,
            f"{own}/threads/{thread.id}",
            f"{own}/threads/{thread.id}/comments?after=0",
        ]
    draft, thread = secrets["draft"], secrets["thread"]
    project = f"{account.base}/projects/{account.project.id}"
    pages = [
        *common,
        project,
        f"{project}/threads/new",
        account.draft_url(draft),
        account.draft_url(draft, "?v=1"),
        account.draft_url(draft, "/compare?from=1&to=1"),
        account.thread_url(thread),
        account.thread_url(thread, "/comments?after=0"),
        account.thread_url(thread, "/comments/older?before=99999999"),
    ]
    if who == "reviewer":  # the client admin invites colleagues
        pages.append(f"{account.base}/invitations")
    return pages


CLIENTS = ["reviewer", "second_reviewer", "other_reviewer"]


def test_the_people_who_lead_the_account_see_every_canary(account, health_secrets, new_browser):
    """The control: the canaries are on the pages, for those allowed to read them."""
    manager = browser_for(new_browser, account.manager)
    page = text_of(manager.get("/clients/northwind/health"))
    for canary in ("SECRET-PULSE-NORTH", "SECRET-DRIVER-TODAY", "SECRET-ALERT-NORTH"):
        assert canary in page
    assert "out of 100" in page and "band-" in page
    assert "SECRET-DRIVER-TODAY" in text_of(manager.get("/health"))


@pytest.mark.parametrize("who", CLIENTS)
def test_a_client_sees_nothing_of_health_on_any_page_or_fragment(
    account, health_secrets, new_browser, who
):
    browser = browser_for(new_browser, getattr(account, who))
    for url in client_pages(account, health_secrets, who):
        response = browser.get(url, follow_redirects=True)
        assert_nothing_of_health(response, url)
        assert_nothing_of_health(browser.get(url, headers=HTMX, follow_redirects=True), url)


@pytest.mark.parametrize("who", CLIENTS)
def test_a_client_sees_the_agencys_record_but_not_the_health_behind_it(
    account, health_secrets, new_browser, who
):
    own = "/clients/southwind" if who == "other_reviewer" else account.base
    home = text_of(browser_for(new_browser, getattr(account, who)).get(own))
    assert "How we're answering you" in home
    assert SECRET not in home


@pytest.mark.parametrize("who", CLIENTS)
def test_the_health_routes_do_not_exist_for_a_client(app, account, health_secrets, new_browser,
                                                     who):  # fmt: skip
    browser = browser_for(new_browser, getattr(account, who))
    pulses = count(app, Pulse)
    for slug in ("northwind", "southwind"):
        assert browser.get(f"/clients/{slug}/health").status_code == 404
        posted = browser.post(f"/clients/{slug}/health/pulse",
                              data={"rating": "healthy", "comment": "All good"})  # fmt: skip
        assert posted.status_code == 404
        assert browser.post(f"/clients/{slug}/health/recompute").status_code == 404
    assert browser.get("/health").status_code == 403
    assert browser.post("/health/recompute").status_code == 403
    assert browser.get("/admin/health/weights").status_code == 403
    assert count(app, Pulse) == pulses


def test_no_e_mail_to_a_client_carries_health(app, account, health_secrets):
    clients = [account.reviewer.id, account.second_reviewer.id, account.other_reviewer.id]
    with app.app_context():
        messages = db.session.execute(
            select(EmailMessage.to_user_id, EmailMessage.subject, EmailMessage.text_body,
                   EmailMessage.html_body).where(EmailMessage.to_user_id.in_(clients))
        ).all()  # fmt: skip
    # Each got their digest and their mention e-mail: there is something to look in.
    assert sorted(user_id for user_id, *_ in messages) == sorted(clients * 2)
    for _user_id, *texts in messages:
        for text in texts:
            assert [mark for mark in HEALTH_MARKS if mark in text] == []


def test_an_account_manager_sees_nothing_of_another_clients_health(
    app, account, health_secrets, new_browser
):
    manager = browser_for(new_browser, account.manager)
    pulses = count(app, Pulse)
    assert manager.get("/clients/southwind/health").status_code == 404
    posted = manager.post("/clients/southwind/health/pulse",
                          data={"rating": "healthy", "comment": "All good"})  # fmt: skip
    assert posted.status_code == 404
    assert manager.post("/clients/southwind/health/recompute").status_code == 404
    assert count(app, Pulse) == pulses

    dashboard = text_of(manager.get("/health"))
    assert 'id="health-northwind"' in dashboard
    assert "southwind" not in dashboard.lower() and "SOUTH" not in dashboard
    for url in ("/clients/northwind/health", "/account/digest", "/"):
        assert "SOUTH" not in text_of(manager.get(url, follow_redirects=True)), url


def test_a_maker_on_the_team_does_not_see_health(app, account, health_secrets, writer):
    assert writer.get("/health").status_code == 403
    assert writer.post("/health/recompute").status_code == 403
    assert writer.get("/clients/northwind/health").status_code == 404
    posted = writer.post("/clients/northwind/health/pulse",
                         data={"rating": "poor", "comment": "Bad"})  # fmt: skip
    assert posted.status_code == 404
    assert writer.post("/clients/northwind/health/recompute").status_code == 404
    for url in ("/", "/inbox", "/account/digest", account.base,
                account.draft_url(health_secrets["draft"]),
                account.thread_url(health_secrets["thread"])):  # fmt: skip
        assert_nothing_of_health(writer.get(url, follow_redirects=True), url)
    with app.app_context():
        assert db.session.get(User, account.writer.id).is_staff
