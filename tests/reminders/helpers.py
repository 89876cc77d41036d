"""The review the reminder tests share: "Homepage intro", version 1 made on Monday 7 December
2026 at 09:00 UTC, its decision due on Thursday 10 December at 17:00 UTC.

Hannah reviews from London (digest at 08:00, no quiet hours); Omar from New York (digest at
09:00, quiet from 08:00 to 11:00, so his reminders wait until 11:00 his time, 16:00 UTC).
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.models import Draft, EmailMessage, ReviewReminder, User
from portal.reminders.services import sweep_review_reminders
from tests.factories import sign_in
from tests.review import make_draft_in_review

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026, in UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def set_clock(app, user, **settings) -> None:
    """Change ``user``'s time zone, digest hour, quiet hours or e-mail frequency."""
    with app.app_context():
        person = db.session.get(User, user.id)
        for name, value in settings.items():
            setattr(person, name, value)
        db.session.commit()


@pytest.fixture
def review(app, account) -> Draft:
    """Homepage intro, version 1 made Monday 09:00 UTC, due Thursday 17:00 UTC; Hannah in
    London, Omar in New York with quiet mornings (see the module)."""
    with time_machine.travel(MONDAY, tick=False), app.app_context():
        draft = make_draft_in_review(
            account, title="Homepage intro", body="Roasted in small batches in Leeds."
        )
        draft.review_due_at = DUE
        db.session.commit()
    set_clock(app, account.reviewer, timezone="Europe/London", digest_hour=8)
    set_clock(
        app,
        account.second_reviewer,
        timezone="America/New_York",
        digest_hour=9,
        quiet_from=8,
        quiet_until=11,
    )
    return draft


def sweep(app, now: datetime) -> None:
    """The periodic reminder job at ``now``, and the jobs it queues (inline, as the embedded
    mode runs them)."""
    with time_machine.travel(now, tick=False), app.app_context():
        sweep_review_reminders(now)
        db.session.commit()
        dispatch_ready()


def sweep_hourly(app, start: datetime, end: datetime, *, each_hour=None) -> None:
    """The reminder job every hour on the hour from ``start`` up to ``end``; ``each_hour(now)``
    first, if given, for what people do meanwhile."""
    now = start
    while now < end:
        if each_hour is not None:
            each_hour(now)
        sweep(app, now)
        now += timedelta(hours=1)


def reminders_sent(app) -> list[tuple[str, str, datetime]]:
    """Every reminder sent: (whose address, kind, when), in order."""
    with app.app_context():
        rows = db.session.execute(
            select(User.email, ReviewReminder.kind, ReviewReminder.created_at)
            .join(User, User.id == ReviewReminder.user_id)
            .order_by(ReviewReminder.created_at, User.email)
        ).all()
    return [tuple(row) for row in rows]


def emails_to(app, address: str) -> list[EmailMessage]:
    """The outbox's messages to ``address``, oldest first."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == address).order_by(EmailMessage.id)
        ).all()


def signed_in(new_browser, user, now: datetime):
    """A browser signed in as ``user`` at ``now`` (sessions are stamped with the time)."""
    browser = new_browser()
    with time_machine.travel(now, tick=False):
        sign_in(browser, user)
    return browser


def page_at(browser, url: str, now: datetime) -> str:
    """The page at ``url`` as read at ``now``."""
    with time_machine.travel(now, tick=False):
        response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.text
