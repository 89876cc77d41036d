"""Digests: the right hour on each person's clock, the right content, once per period."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import digests
from portal.digests.services import due_period, schedule_digests, send_digest, send_digests
from portal.drafts.services import draft_thread
from portal.extensions import db
from portal.jobs import dispatch_ready
from portal.jobs.queue import get_queue
from portal.models import (
    ClientRole,
    Comment,
    DigestRun,
    DraftKind,
    EmailFrequency,
    EmailMessage,
    StaffRole,
    Thread,
    User,
    UserKind,
    Version,
)
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_comment,
    make_draft,
    make_project,
    make_staff,
    make_thread,
    make_version,
)
from tests.queries import count_statements, describe

DAY1 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return DAY1.replace(day=DAY1.day + day - 1, hour=hour, minute=minute)


def person(app, email, **preferences) -> User:
    with app.app_context():
        user = make_staff(StaffRole.COPYWRITER, email=email)
        for key, value in preferences.items():
            setattr(user, key, value)
        db.session.commit()
        return db.session.get(User, user.id)


@pytest.mark.parametrize(
    ("timezone", "now", "due"),
    [
        ("Asia/Tokyo", at(1, 23, 30), "daily:2026-11-03"),  # 08:30 on the 3rd in Tokyo
        # 07:30 on the 3rd in Tokyo: the 3rd's has not begun, and only the current one counts.
        ("Asia/Tokyo", at(1, 22, 30), None),
        ("America/New_York", at(1, 12, 30), None),  # 07:30 in New York: not yet
        ("America/New_York", at(1, 13, 5), "daily:2026-11-02"),  # 08:05 in New York
        ("Europe/London", at(1, 8, 0), "daily:2026-11-02"),
    ],
)
def test_a_daily_digest_falls_due_at_the_persons_local_hour(app, timezone, now, due):
    user = person(app, "tz@agency.test", timezone=timezone)
    with app.app_context():
        period = due_period(db.session.get(User, user.id), now)
    assert (period.key if period else None) == due


def test_quiet_hours_hold_a_digest_back(app):
    user = person(app, "quiet@agency.test", timezone="Europe/London", quiet_from=7, quiet_until=10)
    with app.app_context():
        user = db.session.get(User, user.id)
        assert due_period(user, at(1, 9)) is None
        assert due_period(user, at(1, 10)).key == "daily:2026-11-02"


def test_a_weekly_digest_falls_due_on_its_weekday_and_stays_due_until_sent(app):
    user = person(app, "weekly@agency.test", email_frequency="weekly", digest_weekday=2)
    with app.app_context():
        user = db.session.get(User, user.id)
        assert due_period(user, at(2, 12)) is None  # Tuesday
        assert due_period(user, at(3, 8)).key == "weekly:2026-W45"  # Wednesday 08:00
        assert due_period(user, at(6, 20)).key == "weekly:2026-W45"  # Saturday, still due


def test_immediate_email_comes_with_a_daily_digest_as_the_option_promises(app):
    user = person(app, "now@agency.test", email_frequency="immediate", timezone="Europe/London")
    with app.app_context():
        user = db.session.get(User, user.id)
        assert "daily digest" in EmailFrequency.IMMEDIATE.label
        assert due_period(user, at(1, 7)) is None
        assert due_period(user, at(1, 8)).key == "daily:2026-11-02"


@pytest.fixture
def two_accounts(app):
    """Clients A and B, each with a reviewer, a copywriter and a copy draft in review."""
    with app.app_context():
        accounts = {}
        for name in ("Alpha", "Beta"):
            client = make_client(name, slug=name.lower())
            reviewer = make_client_user(client, ClientRole.MEMBER, email=f"r@{name.lower()}.test")
            writer = make_staff(StaffRole.COPYWRITER, email=f"w@{name.lower()}.test")
            assign(client, writer)
            project = make_project(client)
            draft = make_draft(project, writer, DraftKind.COPY, title=f"{name} copy")
            make_version(draft, writer, body=f"{name} words.")
            thread = draft_thread(draft)
            make_comment(thread, reviewer, f"{name} client question?")
            make_comment(thread, writer, f"{name} SECRET NOTE", internal=True)
            make_thread(client, writer, project=project, title=f"{name} launch",
                        body=f"@{reviewer.handle} {name} question for you")  # fmt: skip
            accounts[name] = {"client": client, "reviewer": reviewer, "writer": writer}
        for user in db.session.scalars(select(User)):
            user.created_at = at(1, 0)
        for model in (Comment, Version):
            for row in db.session.scalars(select(model)):
                row.created_at = at(2, 12)
        db.session.commit()
        return accounts


def tick_digests(app, now) -> int:
    """The scheduler's digest tick at ``now``; the digests run inline (no Redis here)."""
    with app.app_context():
        queued = schedule_digests(now=now)
        db.session.commit()
        dispatch_ready()
        return queued


def digest_text(app, user) -> str | None:
    with app.app_context():
        message = db.session.scalar(
            select(EmailMessage).where(
                EmailMessage.to_user_id == user.id, EmailMessage.dedupe_key.like("digest-%")
            )
        )
        return message.text_body if message else None


def test_digests_hold_what_each_audience_should_see_and_nothing_of_other_clients(app, two_accounts):
    assert tick_digests(app, at(3, 9)) == 4
    client_digest = digest_text(app, two_accounts["Alpha"]["reviewer"])
    assert "Waiting on you" in client_digest
    assert "Alpha copy, version 1" in client_digest
    assert "Alpha question for you" in client_digest
    assert "SECRET" not in client_digest
    assert "Beta" not in client_digest

    staff_digest = digest_text(app, two_accounts["Alpha"]["writer"])
    assert staff_digest.index("Clients waiting on you") < staff_digest.index(
        "Alpha client question?"
    )
    assert "Beta" not in staff_digest


def test_people_on_immediate_email_get_the_daily_digest_too(app, two_accounts):
    reviewer = two_accounts["Alpha"]["reviewer"]
    with app.app_context():
        db.session.get(User, reviewer.id).email_frequency = EmailFrequency.IMMEDIATE
        db.session.commit()
    assert tick_digests(app, at(3, 9)) == 4
    with app.app_context():
        message = db.session.scalar(
            select(EmailMessage).where(
                EmailMessage.dedupe_key == f"digest-{reviewer.id}-daily:2026-11-04"
            )
        )
        assert message.subject.startswith("Your daily Portal digest")
        assert "Alpha copy, version 1" in message.text_body
    assert tick_digests(app, at(3, 10)) == 0


def test_no_digest_is_sent_when_there_is_nothing_new(app):
    user = person(app, "idle@agency.test")
    with app.app_context():
        send_digest(user.id, "daily:2026-11-03", at(3, 8).isoformat())
        db.session.commit()
        runs = db.session.scalars(select(DigestRun)).all()
        assert [(r.period, r.item_count) for r in runs] == [("daily:2026-11-03", 0)]
        assert db.session.scalars(select(EmailMessage)).all() == []


def test_ten_enqueues_of_one_digest_send_one_email(app, two_accounts, jobs_on_redis, mailbox):
    box, _ = mailbox
    reviewer = two_accounts["Alpha"]["reviewer"]
    with app.app_context():
        queue = get_queue("default")
        for _ in range(10):
            queue.enqueue(send_digest, reviewer.id, "daily:2026-11-03", at(3, 8).isoformat())
    jobs_on_redis.burst()
    assert len(box.to(reviewer.email)) == 1


def test_a_digest_delayed_by_an_outage_covers_every_item_exactly_once(app, two_accounts):
    writer = two_accounts["Alpha"]["writer"]
    tick_digests(app, at(3, 9))  # covers day 2 08:00 .. day 3 08:00: the first questions
    with app.app_context():
        thread_id = db.session.scalar(
            select(Comment.thread_id).where(Comment.body == "Alpha client question?")
        )
    late_questions = []
    with app.app_context():
        reviewer = db.session.get(User, two_accounts["Alpha"]["reviewer"].id)
        thread = db.session.get(Thread, thread_id)
        for day in (3, 4, 5):
            comment = make_comment(thread, reviewer, f"Question from day {day}?")
            comment = db.session.get(Comment, comment.id)
            comment.created_at = at(day, 12)
            late_questions.append(comment.body)
        db.session.commit()
    # No ticks on days 4 and 5 (the outage); the first tick after it is day 6, 09:00.
    tick_digests(app, at(6, 9))
    with app.app_context():
        bodies = [
            m.text_body
            for m in db.session.scalars(
                select(EmailMessage)
                .where(EmailMessage.to_user_id == writer.id)
                .order_by(EmailMessage.id)
            )
        ]
    first, second = bodies
    assert "Alpha client question?" in first
    assert all(question not in first for question in late_questions)
    assert all(second.count(question) == 1 for question in late_questions)
    assert "Alpha client question?" not in second


@pytest.mark.parametrize(("level", "reply_listed"), [("watching", True), ("mentions", False),
                                                     ("muted", False)])  # fmt: skip
def test_a_digest_lists_replies_only_from_watched_threads_but_mentions_always(
    app, two_accounts, level, reply_listed
):
    from portal.digests.services import build_digest
    from portal.threads.subscriptions import set_follow_level

    alpha = two_accounts["Alpha"]
    with app.app_context():
        thread = make_thread(alpha["client"], alpha["writer"], title="Muted or not", body="Hi.")
        reviewer = db.session.get(User, alpha["reviewer"].id)
        set_follow_level(reviewer, db.session.get(Thread, thread.id), level)
        db.session.commit()
        make_comment(db.session.get(Thread, thread.id), alpha["writer"], "A plain reply.")
        make_comment(db.session.get(Thread, thread.id), alpha["writer"], "@r a mention.")
        digest = build_digest(reviewer, at(1, 0), datetime.now(UTC) + timedelta(minutes=1))
        texts = [item["text"] for _title, items in digest.sections for item in items]
    assert ("A plain reply." in texts) is reply_listed
    assert "@r a mention." in texts


ZONES = ("UTC", "Asia/Tokyo", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati",
         "Pacific/Pago_Pago")  # fmt: skip
FREQUENCIES = tuple(EmailFrequency)
QUIET = ((None, None), (7, 10), (22, 6), (None, 9))


def claimed_run(user, period: str, now: datetime) -> DigestRun:
    return DigestRun(user_id=user.id, period=period, window_start=now, window_end=now)


def add_people(app, count: int, now: datetime) -> dict[int, str]:
    """``count`` people with every mix of zone, frequency, hour, weekday and quiet hours (some
    inactive); every third one due at ``now`` has already claimed it, some an older period.
    Returns the digests a tick at ``now`` owes: user id -> period key, by ``due_period``."""
    with app.app_context():
        people = []
        for n in range(count):
            quiet_from, quiet_until = QUIET[n // 7 % len(QUIET)]
            people.append(
                User(
                    email=f"p{n}@agency.test",
                    name=f"Person {n}",
                    password_hash="-",
                    kind=UserKind.STAFF,
                    role=StaffRole.COPYWRITER,
                    active=n % 11 != 5,
                    timezone=ZONES[n % len(ZONES)],
                    email_frequency=FREQUENCIES[n // 3 % len(FREQUENCIES)],
                    digest_hour=(6, 8, 13)[n % 3],
                    digest_weekday=n % 7,
                    quiet_from=quiet_from,
                    quiet_until=quiet_until,
                )
            )
        db.session.add_all(people)
        db.session.flush()
        owed = {}
        for n, user in enumerate(people):
            period = due_period(user, now)
            if period and n % 3 == 0:
                db.session.add(claimed_run(user, period.key, now))
            elif period:
                owed[user.id] = period.key
                if n % 4 == 0:
                    db.session.add(claimed_run(user, "daily:2026-10-01", now))
        db.session.commit()
        return owed


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    """The digest jobs a tick enqueues, as (user id, period key, nominal time), not run."""
    jobs = []

    def record(func, digest):
        assert func is send_digests
        user_id, period, nominal_iso = digest
        jobs.append((user_id, period, datetime.fromisoformat(nominal_iso)))

    monkeypatch.setattr(digests.services, "enqueue", record)
    return jobs


@pytest.mark.parametrize("now", [at(3, 9), at(1, 23, 30), at(7, 4, 5), at(4, 18)])
def test_the_tick_enqueues_exactly_the_due_and_unclaimed_digests(app, enqueued, now):
    owed = add_people(app, 300, now)
    with app.app_context():
        assert schedule_digests(now=now) == len(owed)
    assert {user_id: period for user_id, period, _ in enqueued} == owed
    assert len(enqueued) == len(owed)
    assert all(nominal <= now for _, _, nominal in enqueued)
    with app.app_context():
        frequencies = set(db.session.scalars(select(User.email_frequency).where(User.id.in_(owed))))
    assert EmailFrequency.IMMEDIATE in frequencies
    assert {key.split(":")[0] for key in owed.values()} == {"daily", "weekly"}


@pytest.mark.parametrize("now", [at(3, 9), at(1, 2)])
def test_the_tick_issues_as_many_statements_for_1000_people_as_for_10(app, enqueued, now):
    statements = {}
    for count in (10, 1000):
        add_people(app, count, now)
        with count_statements(app) as issued:
            queued = schedule_digests(now=now)
            assert len(db.session.identity_map) == 0  # nobody loaded whole, only columns
        statements[count] = list(issued)
        assert queued > 0
        with app.app_context():
            db.session.execute(DigestRun.__table__.delete())
            db.session.execute(User.__table__.delete())
            db.session.commit()
    assert len(statements[10]) == len(statements[1000]) == 2, describe(statements[1000])
