"""Outside-in: a client's own people see how the agency answers them, and nothing else of
relationship health; staff see none of it on the client's home."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.health.outside_in import agency_record_for
from portal.health.snapshots import take_snapshots
from portal.models import Client, Comment, HealthSnapshot, Pulse
from tests.factories import make_comment, make_thread
from tests.queries import count_statements, describe
from tests.review import browser_for

LONDON = ZoneInfo("Europe/London")


def london(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def at(app, comment, moment: datetime) -> None:
    """Move ``comment`` to ``moment``."""
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == comment.id).values(created_at=moment)
        )
        db.session.commit()


def thread_comments(app, thread) -> list[Comment]:
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(
            db.select(Comment).where(Comment.thread_id == thread.id).order_by(Comment.id)
        ).all()


@pytest.fixture
def answered(app, account):
    """Northwind's week to Monday 23 November 2026, snapshotted at noon: Hannah's question of
    Wednesday 10:00 answered by Dana at 13:30 (3.5 business hours), Omar's of 11:00 by Mateo
    on Friday at 11:00 (16 business hours, over a day); a staff-only note and a Poor pulse
    the client must never see."""
    with app.app_context():
        db.session.execute(
            update(Client).where(Client.id == account.client.id).values(
                created_at=london(2026, 9, 1)
            )
        )  # fmt: skip
        db.session.commit()
        thread = make_thread(account.client, account.reviewer, project=account.project,
                             title="Launch date", body="When do we launch?")  # fmt: skip
        dana = make_comment(thread, account.writer, "On the 3rd.")
        omar = make_comment(thread, account.second_reviewer, "And the posters?")
        note = make_comment(thread, account.manager, "SECRET-note: chase print", internal=True)
        mateo = make_comment(thread, account.designer, "Printing Monday.")
        db.session.add(
            Pulse(client_id=account.client.id, author_id=account.manager.id, rating="poor",
                  comment="SECRET-pulse: they are shopping around")
        )  # fmt: skip
        db.session.commit()
    hannah = thread_comments(app, thread)[0]
    for comment, moment in [
        (hannah, london(2026, 11, 18, 10)),
        (dana, london(2026, 11, 18, 13, 30)),
        (omar, london(2026, 11, 18, 11)),
        (note, london(2026, 11, 18, 11, 30)),
        (mateo, london(2026, 11, 20, 11)),
    ]:
        at(app, comment, moment)
    with app.app_context():
        # An older day, to be outdated by the newest.
        db.session.add(
            HealthSnapshot(client_id=account.client.id, day=london(2026, 11, 1).date(),
                           outside_in={"median_reply_hours": 31.0, "answered_within_day": 0.1,
                                       "comments": 4})
        )  # fmt: skip
        take_snapshots(now=london(2026, 11, 23, 12))
        db.session.commit()


@pytest.fixture
def manager(new_browser, account):
    """A browser signed in as Ada, Northwind's account manager."""
    return browser_for(new_browser, account.manager)


def agency_record_box(page: str) -> str:
    return page.split('<section class="card agency-record"', 1)[1].split("</section>", 1)[0]


def test_a_client_sees_the_agencys_reply_time_and_share_answered_within_a_day(reviewer, answered):
    box = agency_record_box(reviewer.get("/clients/northwind").text)

    assert "How we're answering you" in box
    assert "Median reply time (last 30 days)" in box
    assert "9.8 business hours" in box  # the median of 3.5 and 16
    assert "Share of your comments answered within one business day" in box
    assert "50%" in box
    assert "31.0" not in box  # the older snapshot's


def test_a_client_never_sees_score_band_pulse_or_drivers(app, reviewer, account, answered):
    with app.app_context():
        health = db.session.scalars(
            db.select(HealthSnapshot).order_by(HealthSnapshot.day.desc())
        ).first()
        driver_texts = [driver["text"] for driver in health.drivers]
        band_label = health.band_label
    assert driver_texts, "the snapshot should have drivers to hide"

    with count_statements(app) as statements:
        page = reviewer.get("/clients/northwind").text

    assert "band-" not in page and "out of 100" not in page
    assert band_label not in page
    assert "SECRET-pulse" not in page and "SECRET-note" not in page
    for text in driver_texts:
        assert text not in page
    assert "/health" not in page
    snapshot_reads = [s for s in statements if "health_snapshots" in s]
    assert len(snapshot_reads) == 1, describe(snapshot_reads)
    selected = snapshot_reads[0].split("FROM", 1)[0]
    assert "outside_in" in selected
    for column in ("score", "band", "signals", "drivers", "triggers"):
        assert f"health_snapshots.{column}" not in selected, selected


def test_staff_see_nothing_of_it_on_the_clients_home(app, manager, answered):
    with count_statements(app) as statements:
        page = manager.get("/clients/northwind").text

    assert "How we're answering you" not in page
    assert "business hours" not in page
    assert not [s for s in statements if "health_snapshots" in s]


def test_a_client_with_no_snapshot_sees_not_enough_conversation_yet(reviewer, account):
    box = agency_record_box(reviewer.get("/clients/northwind").text)

    assert "Not enough conversation yet" in box
    assert "Median reply time" not in box


def test_no_record_without_any_measure(app, account):
    with app.app_context():
        client = db.session.get(Client, account.client.id)
        assert agency_record_for(client) is None
        db.session.add(
            HealthSnapshot(client_id=client.id, day=london(2026, 11, 2).date(),
                           outside_in={"median_reply_hours": None, "answered_within_day": None,
                                       "comments": 0})
        )  # fmt: skip
        db.session.commit()
        assert agency_record_for(client) is None
        db.session.add(
            HealthSnapshot(client_id=client.id, day=london(2026, 11, 3).date(),
                           outside_in={"median_reply_hours": None, "answered_within_day": 0.0,
                                       "comments": 2})
        )  # fmt: skip
        db.session.commit()
        assert agency_record_for(client) == {
            "median_reply_hours": None,
            "answered_within_day": 0.0,
        }


def test_unanswered_for_over_a_day_counts_against_the_share(app, reviewer, account):
    with app.app_context():
        db.session.execute(
            update(Client).where(Client.id == account.client.id).values(
                created_at=london(2026, 9, 1)
            )
        )  # fmt: skip
        db.session.commit()
        thread = make_thread(account.client, account.reviewer, project=account.project)
    (question,) = thread_comments(app, thread)
    at(app, question, london(2026, 11, 18, 10))
    with app.app_context():
        take_snapshots(now=london(2026, 11, 18, 10) + timedelta(days=5))
        db.session.commit()

    box = agency_record_box(reviewer.get("/clients/northwind").text)

    assert "0%" in box
    assert "Median reply time" not in box
