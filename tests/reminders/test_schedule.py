"""Reminders of a review due: the day before, on the day and twice overdue, each at the
reviewer's own hour outside their quiet hours, once, and never after they decide."""

import time_machine
from sqlalchemy import update

from portal.digests.services import send_digest
from portal.drafts.services import record_decision
from portal.extensions import db
from portal.models import (
    ApprovalRule,
    Draft,
    EmailFrequency,
    EmailMessage,
    Project,
    ReminderKind,
    ReviewReminder,
    User,
    Verdict,
    Version,
)
from portal.notifications.services import send_notifications
from portal.reminders.services import send_reminders_to
from tests.drafts.helpers import count
from tests.factories import make_version
from tests.reminders.helpers import (
    MONDAY,
    at,
    emails_to,
    reminders_sent,
    set_clock,
    sweep,
    sweep_hourly,
)

HANNAH, OMAR = "hannah@northwind.test", "omar@northwind.test"
DAY_BEFORE, DUE_TODAY, OVERDUE = (
    ReminderKind.DAY_BEFORE,
    ReminderKind.DUE_TODAY,
    ReminderKind.OVERDUE,
)


def test_each_reviewer_is_reminded_at_their_own_hour_outside_quiet_hours(app, account, review):
    sweep_hourly(app, MONDAY, at(14, 0))

    assert reminders_sent(app) == [
        # London, digest at 08:00: Wednesday, Thursday (the due day), Friday and Saturday.
        (HANNAH, DAY_BEFORE, at(9, 8)),
        # New York, digest at 09:00 but quiet until 11:00 (16:00 UTC).
        (OMAR, DAY_BEFORE, at(9, 16)),
        (HANNAH, DUE_TODAY, at(10, 8)),
        (OMAR, DUE_TODAY, at(10, 16)),
        (HANNAH, OVERDUE, at(11, 8)),
        (OMAR, OVERDUE, at(11, 16)),
        (HANNAH, OVERDUE, at(12, 8)),
        (OMAR, OVERDUE, at(12, 16)),
    ]
    (tomorrow, today, *_overdue) = emails_to(app, HANNAH)
    assert tomorrow.subject == (
        "Reminder: your decision on Homepage intro, version 1 is due tomorrow"
    )
    assert "due tomorrow, 10 Dec 2026, 17:00 GMT" in tomorrow.text_body
    assert "/clients/northwind/drafts/" in tomorrow.text_body
    assert today.subject.endswith("is due today")
    omar_first = emails_to(app, OMAR)[0]
    assert "due tomorrow, 10 Dec 2026, 12:00 EST" in omar_first.text_body
    assert "Southwind" not in omar_first.text_body


def test_a_zone_ahead_of_utc_is_reminded_on_its_own_calendar_day(app, account, review):
    # Auckland is 13 hours ahead: Thursday 17:00 UTC is Friday 06:00 there.
    set_clock(app, account.reviewer, timezone="Pacific/Auckland", digest_hour=7)
    set_clock(app, account.second_reviewer, email_frequency=EmailFrequency.OFF)
    sweep_hourly(app, MONDAY, at(14, 0))

    # 07:00 in Auckland is 18:00 UTC the day before.
    assert reminders_sent(app) == [
        (HANNAH, DAY_BEFORE, at(9, 18)),
        (HANNAH, DUE_TODAY, at(10, 18)),
        (HANNAH, OVERDUE, at(11, 18)),
        (HANNAH, OVERDUE, at(12, 18)),
    ]


def test_reminders_stop_the_moment_a_reviewer_decides(app, account, review):
    with app.app_context():
        db.session.execute(
            update(Draft).where(Draft.id == review.id).values(approval_rule=ApprovalRule.ALL)
        )
        db.session.commit()

    def decide_on_time(now):
        people = {at(9, 12): (account.reviewer, Verdict.APPROVED, "")}
        # Omar asks for changes on Thursday at 15:00 UTC, before his 16:00 reminder.
        people[at(10, 15)] = (account.second_reviewer, Verdict.CHANGES_REQUESTED, "Shorter.")
        if now in people:
            person, verdict, note = people[now]
            with time_machine.travel(now, tick=False), app.app_context():
                version = db.session.scalar(db.select(Version).where(Version.draft_id == review.id))
                record_decision(db.session.get(User, person.id), version, verdict, note)
                db.session.commit()

    sweep_hourly(app, MONDAY, at(14, 0), each_hour=decide_on_time)

    # Hannah approved on Wednesday at noon; under "all reviewers" Omar still owed his.
    assert reminders_sent(app) == [
        (HANNAH, DAY_BEFORE, at(9, 8)),
        (OMAR, DAY_BEFORE, at(9, 16)),
    ]


def test_reminders_stop_when_the_version_is_replaced_or_the_project_archived(app, account, review):
    def replace_on_wednesday(now):
        if now == at(9, 10):  # version 2, with no due date yet
            with time_machine.travel(now, tick=False), app.app_context():
                make_version(db.session.get(Draft, review.id), account.writer, body="Shorter.")
                db.session.get(Draft, review.id).review_due_at = None
                db.session.commit()

    sweep_hourly(app, MONDAY, at(14, 0), each_hour=replace_on_wednesday)
    assert reminders_sent(app) == [(HANNAH, DAY_BEFORE, at(9, 8))]

    with app.app_context():
        db.session.get(Draft, review.id).review_due_at = at(15, 17)
        db.session.execute(update(Project).values(archived_at=at(14, 0)))
        db.session.commit()
    sweep_hourly(app, at(14, 0), at(18, 0))
    assert len(reminders_sent(app)) == 1


def test_a_reminder_is_sent_once_however_often_the_job_runs(app, account, review):
    set_clock(app, account.second_reviewer, email_frequency=EmailFrequency.OFF)
    for _ in range(3):
        sweep(app, at(9, 8))
        sweep(app, at(9, 8, 30))
    with time_machine.travel(at(9, 9), tick=False), app.app_context():
        send_reminders_to(account.reviewer.id, at(9, 9))
        db.session.commit()

    assert reminders_sent(app) == [(HANNAH, DAY_BEFORE, at(9, 8))]
    assert count(app, EmailMessage) == 1
    assert count(app, ReviewReminder) == 1


def test_no_reminder_on_the_day_the_version_arrived_nor_without_a_due_date(app, account, review):
    # Version 2 arrives on Wednesday at 07:00 UTC, due the next day: its notice said so.
    with time_machine.travel(at(9, 7), tick=False), app.app_context():
        make_version(db.session.get(Draft, review.id), account.writer, body="Shorter.")
        db.session.commit()
    set_clock(app, account.second_reviewer, email_frequency=EmailFrequency.OFF)
    sweep_hourly(app, at(9, 7), at(10, 12))
    assert reminders_sent(app) == [(HANNAH, DUE_TODAY, at(10, 8))]

    with app.app_context():
        db.session.get(Draft, review.id).review_due_at = None
        db.session.commit()
    sweep_hourly(app, at(10, 12), at(14, 0))
    assert len(reminders_sent(app)) == 1


def test_the_notice_of_a_new_version_says_when_the_decision_is_due(app, account, review):
    set_clock(app, account.reviewer, email_frequency=EmailFrequency.IMMEDIATE)
    with time_machine.travel(at(9, 7), tick=False), app.app_context():
        make_version(db.session.get(Draft, review.id), account.writer, body="Shorter.")
        db.session.commit()
    with time_machine.travel(at(9, 7, 30), tick=False), app.app_context():
        send_notifications(account.reviewer.id, at(9, 7, 30))
        db.session.commit()
    (notice,) = emails_to(app, HANNAH)
    assert notice.subject == "Homepage intro, version 2 is ready for your review"
    assert "Your decision is due 10 Dec 2026, 17:00 GMT." in notice.text_body
    assert "Your decision is due 10 Dec 2026, 17:00 GMT." in notice.html_body


def test_the_digest_says_when_a_decision_is_due(app, account, review):
    with time_machine.travel(at(8, 8), tick=False), app.app_context():
        send_digest(account.reviewer.id, "daily:2026-12-08", at(8, 8).isoformat())
        db.session.commit()
    (digest,) = emails_to(app, HANNAH)
    assert "Homepage intro, version 1" in digest.text_body
    assert "Your decision is due 10 Dec 2026, 17:00 GMT." in digest.text_body
    assert "Your decision is due 10 Dec 2026, 17:00 GMT." in digest.html_body
