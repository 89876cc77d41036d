"""Health alerts: raised once per cause, e-mailed once to the account manager through the real
worker and SMTP, and listed in the account manager's digest (and nobody else's)."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.digests.services import build_digest, send_digest
from portal.extensions import db, read_only_transaction
from portal.health import scoring
from portal.health.alerts import raise_alerts
from portal.health.signals import ClientHealth
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
from tests.factories import assign, make_client, make_comment, make_thread, persist
from tests.queries import count_statements
from tests.review import browser_for

UNANSWERED = scoring.TRIGGERS_BY_KEY["unanswered_3_days"].text
PULSE_POOR = scoring.TRIGGERS_BY_KEY["pulse_poor"].text
DROP_TEXT = "Dropped from Healthy to At risk"


def snapshot_on(client, day, *, score, band, triggers=()) -> HealthSnapshot:
    """A snapshot of ``client`` written by hand, as an earlier night's job would have."""
    return persist(
        HealthSnapshot(
            client_id=client.id, day=day, score=score, band=band,
            triggers=[{"key": key, "text": "", "cap": "at_risk"} for key in triggers],
        )
    )  # fmt: skip


def record_pulse(account, rating: str, at, comment="The client is unhappy with us.") -> Pulse:
    """Ada's pulse on Northwind, as of ``at``."""
    return persist(
        Pulse(
            client_id=account.client.id, author_id=account.manager.id, rating=rating,
            comment=comment, created_at=at,
        )
    )  # fmt: skip


def make_unhealthy(account, now) -> None:
    """By ``now`` Hannah's question has waited 20 days for an answer and Ada's pulse is Poor."""
    thread = make_thread(
        account.client, account.reviewer, project=account.project, title="Launch date",
        body="Nobody has told us the launch date and we are worried.",
    )  # fmt: skip
    for comment in db.session.scalars(select(Comment).where(Comment.thread_id == thread.id)):
        comment.created_at = now - timedelta(days=20)
    db.session.commit()
    record_pulse(account, PulseRating.POOR, now - timedelta(hours=1))


@pytest.fixture
def band_drop(app, account):
    """Northwind was Healthy (85) yesterday and is unhealthy now; the time it is now."""
    with app.app_context():
        now = utcnow()
        snapshot_on(account.client, snapshot_day(now) - timedelta(days=1), score=85,
                    band=Band.HEALTHY)  # fmt: skip
        make_unhealthy(account, now)
    return now


def run_snapshots(app, now) -> None:
    with app.app_context():
        take_snapshots(now)
        db.session.commit()


def stored_alerts(app) -> list[HealthAlert]:
    with app.app_context():
        return db.session.scalars(select(HealthAlert).order_by(HealthAlert.id)).all()


def alert_emails(app) -> list[tuple[str, str, str]]:
    """(dedupe key, recipient, subject) of every health alert e-mail in the outbox."""
    with app.app_context():
        return db.session.execute(
            select(EmailMessage.dedupe_key, EmailMessage.to_address, EmailMessage.subject)
            .where(EmailMessage.dedupe_key.like("health-alert-%"))
            .order_by(EmailMessage.id)
        ).all()


# --- raised once ---------------------------------------------------------------------------


def test_a_band_drop_raises_one_alert_per_cause_and_e_mails_each_once(app, account, band_drop):
    run_snapshots(app, band_drop)
    alerts = stored_alerts(app)
    assert Counter(a.cause for a in alerts) == {"band_drop": 1, "fall": 1, "trigger": 2}
    (drop,) = [a for a in alerts if a.cause == "band_drop"]
    assert (drop.text, drop.band_from, drop.band_to) == (DROP_TEXT, "healthy", "at_risk")
    assert {a.text for a in alerts if a.cause == "trigger"} == {UNANSWERED, PULSE_POOR}
    (fall,) = [a for a in alerts if a.cause == "fall"]
    assert fall.text.startswith("Score fell ") and fall.text.endswith(" points in 14 days")

    emails = alert_emails(app)
    assert emails == [
        (f"health-alert-{a.id}-{account.manager.id}", "ada@agency.test", f"Northwind: {a.text}")
        for a in alerts
    ]


def test_running_the_same_day_again_raises_nothing_and_sends_nothing_more(app, account, band_drop):
    run_snapshots(app, band_drop)
    before = [(a.id, a.cause_key) for a in stored_alerts(app)]
    emails = alert_emails(app)

    run_snapshots(app, band_drop)
    with app.app_context():
        later = band_drop + timedelta(minutes=30)
        if snapshot_day(later) != snapshot_day(band_drop):  # not past the agency's midnight
            later = band_drop - timedelta(minutes=30)
    run_snapshots(app, later)
    assert [(a.id, a.cause_key) for a in stored_alerts(app)] == before
    assert alert_emails(app) == emails
    with app.app_context():
        days = db.session.scalars(
            select(HealthSnapshot.day).where(HealthSnapshot.client_id == account.client.id)
        ).all()
    assert len(days) == len(set(days)) == 2, "one snapshot per client and day"


def test_the_next_day_at_the_same_band_raises_nothing(app, account, band_drop):
    run_snapshots(app, band_drop)
    count = len(stored_alerts(app))
    run_snapshots(app, band_drop + timedelta(days=1))
    assert len(stored_alerts(app)) == count


def test_a_trigger_alerts_when_it_starts_firing_not_while_it_keeps_firing(app, account):
    with app.app_context():
        now = utcnow()
        # Already at risk yesterday, on a low score: no band drop and no fall to report.
        today, third_day = snapshot_day(now), snapshot_day(now + timedelta(days=3))
        snapshot_on(account.client, today - timedelta(days=1), score=20, band=Band.AT_RISK)
        record_pulse(account, PulseRating.POOR, now - timedelta(hours=1))

    def trigger_alerts():
        return [(a.day, a.text) for a in stored_alerts(app) if a.cause == "trigger"]

    run_snapshots(app, now)
    run_snapshots(app, now)
    assert trigger_alerts() == [(today, PULSE_POOR)]
    assert [a.cause for a in stored_alerts(app)] == ["trigger"]
    assert len(alert_emails(app)) == 1

    run_snapshots(app, now + timedelta(days=1))  # still firing
    assert len(trigger_alerts()) == 1

    with app.app_context():
        record_pulse(account, PulseRating.HEALTHY, now + timedelta(days=1, hours=1), "Better.")
    run_snapshots(app, now + timedelta(days=2))  # stopped
    with app.app_context():
        record_pulse(account, PulseRating.POOR, now + timedelta(days=2, hours=1), "Worse again.")
    run_snapshots(app, now + timedelta(days=3))  # fires again: a new alert
    assert trigger_alerts() == [(today, PULSE_POOR), (third_day, PULSE_POOR)]


# --- a fall of 15 points in 14 days --------------------------------------------------------


def assessed(client, score, band=Band.HEALTHY) -> dict[int, ClientHealth]:
    """An assessment of ``client`` with ``score`` and ``band`` and no triggers."""
    return {client.id: ClientHealth(client.id, score, band, "standard", [], [])}


def raise_on(app, client, day, score) -> list[tuple[str, str]]:
    """Raise the alerts for ``client`` scoring ``score`` on ``day``; (cause, text) of the new."""
    with app.app_context():
        new = raise_alerts(day, assessed(client, score), utcnow())
        db.session.commit()
        return [(alert.cause, alert.text) for alert in new]


@pytest.mark.parametrize(
    ("days_ago", "best", "today", "alerted"),
    [
        (14, 85, 70, True),  # 15 points, the high exactly 14 days back
        (3, 84, 70, False),  # 14 points
        (15, 95, 70, False),  # the high is older than 14 days
    ],
)
def test_a_fall_of_15_points_within_14_days_alerts(app, account, days_ago, best, today, alerted):
    with app.app_context():
        day = snapshot_day(utcnow())
        snapshot_on(account.client, day - timedelta(days=days_ago), score=best, band=Band.HEALTHY)
    expected = [("fall", f"Score fell {best - today} points in 14 days")] if alerted else []
    assert raise_on(app, account.client, day, today) == expected


def test_a_fall_alerts_once_in_14_days(app, account):
    with app.app_context():
        day = snapshot_day(utcnow())
        snapshot_on(account.client, day - timedelta(days=5), score=90, band=Band.HEALTHY)
    assert raise_on(app, account.client, day, 70) == [("fall", "Score fell 20 points in 14 days")]
    assert raise_on(app, account.client, day, 70) == []
    with app.app_context():
        snapshot_on(account.client, day, score=70, band=Band.HEALTHY)
    # Still 20 below the high the next day, and lower still a week on: already told.
    assert raise_on(app, account.client, day + timedelta(days=1), 70) == []
    assert raise_on(app, account.client, day + timedelta(days=7), 72) == []
    # Fifteen days on the first alert is out of the window: a new fall is news again.
    with app.app_context():
        snapshot_on(account.client, day + timedelta(days=10), score=92, band=Band.HEALTHY)
    assert raise_on(app, account.client, day + timedelta(days=15), 75) == [
        ("fall", "Score fell 17 points in 14 days")
    ]
    assert len(alert_emails(app)) == 2


# --- through the real worker and SMTP ------------------------------------------------------


def subject_of(message) -> str:
    # A long subject arrives folded, and the stdlib parser keeps the fold's leading space.
    return " ".join(message["Subject"].split())


def test_a_band_drop_reaches_the_account_managers_mailbox_through_the_worker(
    app, new_browser, account, band_drop, jobs_on_redis, mailbox
):
    box, _ = mailbox
    manager = browser_for(new_browser, account.manager)
    assert manager.post("/health/recompute").status_code == 302
    jobs_on_redis.burst()

    alerts = stored_alerts(app)
    assert "band_drop" in {a.cause for a in alerts}
    health_mail = [m for m in box.to("ada@agency.test") if "account manager" in box.text(m)]
    assert sorted(subject_of(m) for m in health_mail) == sorted(
        f"Northwind: {a.text}" for a in alerts
    ), "one e-mail per alert"
    (drop,) = [m for m in health_mail if subject_of(m) == f"Northwind: {DROP_TEXT}"]
    body = box.text(drop)
    assert "Northwind" in body and DROP_TEXT in body
    assert "http://portal.test/clients/northwind/health" in body
    for person in (account.reviewer, account.second_reviewer, account.other_reviewer):
        assert box.to(person.email) == [], f"{person.name} was e-mailed"

    assert manager.post("/health/recompute").status_code == 302
    jobs_on_redis.burst()
    again = [m for m in box.to("ada@agency.test") if "account manager" in box.text(m)]
    assert len(again) == len(health_mail), "e-mailed twice"


# --- the digest ----------------------------------------------------------------------------


def digest_texts(digest) -> list[str]:
    return [f"{item['title']} {item['text']}" for _title, items in digest.sections
            for item in items]  # fmt: skip


@pytest.fixture
def alerted(app, account, band_drop):
    """Northwind's band drop raised, a Southwind alert beside it, and fresh conversation so
    that nobody's digest is empty: Hannah asks @dana, and Ada asks @hannah and @omar."""
    run_snapshots(app, band_drop)
    with app.app_context():
        persist(
            HealthAlert(
                client_id=account.other_client.id, day=snapshot_day(band_drop), cause="trigger",
                cause_key="trigger:test", text="Southwind is unhappy", band_to="at_risk",
                created_at=band_drop,
            )
        )  # fmt: skip
        thread = make_thread(account.client, account.reviewer, project=account.project,
                             title="Copy", body="@dana can you check the headline?")  # fmt: skip
        make_comment(thread, account.manager, "@hannah @omar the launch is in April.")
    return band_drop


def test_the_account_managers_digest_lists_the_alerts_under_your_accounts(
    app, account, alerted, new_browser
):
    preview = browser_for(new_browser, account.manager).get("/account/digest")
    assert "Your accounts" in preview.get_data(as_text=True)
    assert DROP_TEXT in preview.get_data(as_text=True)
    with app.app_context():
        send_digest(account.manager.id, "daily:test", (utcnow() + timedelta(minutes=1)).isoformat())
        db.session.commit()
        message = db.session.scalar(
            select(EmailMessage).where(EmailMessage.dedupe_key.like("digest-%"))
        )
    assert message.to_address == "ada@agency.test"
    text = message.text_body
    assert "== Your accounts ==" in text
    assert "* Northwind · " in text
    assert f"{DROP_TEXT} (Healthy → At risk)" in text
    assert f"{PULSE_POOR} (now At risk)" in text
    assert "http://portal.test/clients/northwind/health" in text
    assert "Southwind" not in text
    assert "Your accounts" in message.html_body and DROP_TEXT in message.html_body


@pytest.mark.parametrize("who", ["reviewer", "second_reviewer", "writer", "other_reviewer"])
def test_nobody_but_the_account_lead_gets_health_in_a_digest(app, account, alerted, who):
    with app.app_context():
        user = db.session.get(User, getattr(account, who).id)
        digest = build_digest(user, alerted - timedelta(days=1), utcnow() + timedelta(minutes=1))
    texts = " ".join(digest_texts(digest))
    if who != "other_reviewer":
        assert digest.item_count, "nothing to compare against: the digest is empty"
    assert "Your accounts" not in [title for title, _items in digest.sections]
    assert DROP_TEXT not in texts and PULSE_POOR not in texts and "unhappy" not in texts


def test_the_your_accounts_section_costs_one_query_however_many_alerts(app, account, alerted):
    def statements() -> tuple[int, list[dict]]:
        with app.app_context():
            read_only_transaction()  # count_statements's own app context reads beside it
            manager = db.session.get(User, account.manager.id)
            build_digest(manager, alerted - timedelta(days=1), utcnow())  # warm up
            with count_statements(app) as issued:
                digest = build_digest(manager, alerted - timedelta(days=1), utcnow())
            return len(issued), dict(digest.sections)["Your accounts"]

    few, items = statements()
    with app.app_context():
        for n in range(10):
            client = make_client(f"Account {n}")
            assign(client, account.manager, account_manager=True)
            persist(HealthAlert(client_id=client.id, day=snapshot_day(alerted), cause="fall",
                                cause_key="fall:x", text="Score fell 20 points in 14 days",
                                created_at=alerted))  # fmt: skip
    many, more_items = statements()
    assert len(more_items) == len(items) + 10
    assert many == few
