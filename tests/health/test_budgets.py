"""Health is set-based: the dashboard and the snapshot job issue as many SQL statements for
300 clients as for 3."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.health import scoring
from portal.health.snapshots import snapshot_day, take_snapshots
from portal.models import (
    Assignment,
    Client,
    ClientRole,
    Comment,
    Decision,
    Draft,
    DraftKind,
    HealthAlert,
    HealthSnapshot,
    Invitation,
    Mention,
    Project,
    Pulse,
    StaffRole,
    Thread,
    ThreadKind,
    ThreadParticipant,
    User,
    UserKind,
    Verdict,
    Version,
    utcnow,
)
from portal.threads.answers import refresh_answers
from tests.factories import make_staff, sign_in
from tests.queries import count_statements, describe, statements_for

# --- the dashboard -------------------------------------------------------------------------

# A fixed noon, so no run straddles the agency's midnight.
NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)


def add_scored_clients(app, manager, how_many: int, start: int) -> None:
    """``how_many`` clients managed by ``manager``, each with today's snapshot (a driver
    among its details) and one from eight days before, added in bulk."""
    with app.app_context():
        today = snapshot_day(utcnow())
        clients = [
            Client(name=f"Client {n:04}", slug=f"client-{n:04}")
            for n in range(start, start + how_many)
        ]
        db.session.add_all(clients)
        db.session.flush()
        db.session.add_all(
            Assignment(client_id=client.id, user_id=manager.id, is_account_manager=True)
            for client in clients
        )
        for n, client in enumerate(clients):
            driver = {"key": "quiet", "text": "No client activity for 9 days",
                      "action": "check in", "endpoint": "clients.home",
                      "values": {"slug": client.slug}}  # fmt: skip
            score = 20 + n * 7 % 75
            db.session.add_all(
                [
                    HealthSnapshot(client_id=client.id, day=today, score=score,
                                   band=scoring.band_for(score).value, drivers=[driver]),
                    HealthSnapshot(client_id=client.id, day=today - timedelta(days=8),
                                   score=60, band=scoring.band_for(60).value),
                ]
            )  # fmt: skip
        db.session.commit()


def test_the_dashboard_costs_the_same_with_3_or_300_clients(app, client, account):
    sign_in(client, account.manager)
    add_scored_clients(app, account.manager, 3, 0)
    few = statements_for(app, client, "/health")
    add_scored_clients(app, account.manager, 297, 3)
    many = statements_for(app, client, "/health")

    assert few, "the counter saw no statements"
    assert len(few) == len(many), describe(many)
    assert client.get("/health").text.count('role="img"') == 50  # a full page of sparklines


# --- the snapshot job ----------------------------------------------------------------------


@pytest.fixture
def agency_staff(app):
    """The writer who makes every client's drafts and the account manager of them all."""
    with app.app_context():
        return (
            make_staff(StaffRole.COPYWRITER, name="Wren Writer"),
            make_staff(StaffRole.ACCOUNT_MANAGER, name="Abe Lead"),
        )


def add_busy_clients(app, staff, how_many: int, start: int, now) -> None:
    """``how_many`` clients two months old, each with rows for every fact the signals read:
    a reviewer and a pending invitation; a draft approved after changes requested, due three
    days ago; a draft waiting for a decision; a question answered by the writer and a newer
    one, mentioning the writer, still waiting; the thread's participants; a Healthy pulse."""
    writer, manager = staff

    def ago(**delta):
        return now - timedelta(**delta)

    with app.app_context():
        clients = [
            Client(name=f"Busy {n:04}", slug=f"busy-{n:04}", created_at=ago(days=60))
            for n in range(start, start + how_many)
        ]
        db.session.add_all(clients)
        db.session.flush()
        reviewers = [
            User(email=f"reviewer{client.id}@busy.test", name=f"Rae {client.id}",
                 password_hash="-", kind=UserKind.CLIENT, role=ClientRole.MEMBER,
                 client_id=client.id, created_at=ago(days=50))
            for client in clients
        ]  # fmt: skip
        projects = [Project(client_id=client.id, name="Launch") for client in clients]
        db.session.add_all([*reviewers, *projects])
        db.session.add_all(
            Assignment(client_id=client.id, user_id=person.id, is_account_manager=lead)
            for client in clients
            for person, lead in ((writer, False), (manager, True))
        )
        db.session.add_all(
            Invitation(email=f"invitee{client.id}@busy.test", client_id=client.id,
                       role=ClientRole.MEMBER, token_hash=f"{client.id:064d}",
                       created_at=ago(days=1), expires_at=now + timedelta(days=6))
            for client in clients
        )  # fmt: skip
        db.session.flush()
        approved, waiting = [], []
        for client, project in zip(clients, projects, strict=True):
            for title, bucket in (("Approved", approved), ("Waiting", waiting)):
                bucket.append(
                    Draft(client_id=client.id, project_id=project.id, title=title,
                          kind=DraftKind.COPY, maker_id=writer.id, created_at=ago(days=20),
                          due_date=(now - timedelta(days=3)).date())
                )  # fmt: skip
        db.session.add_all([*approved, *waiting])
        db.session.flush()
        threads = [
            Thread(client_id=d.client_id, project_id=d.project_id, draft_id=d.id,
                   kind=ThreadKind.DRAFT, title=d.title, created_at=d.created_at)
            for d in approved
        ]  # fmt: skip
        versions = [
            Version(draft_id=d.id, client_id=d.client_id, number=number, body="Copy",
                    author_id=writer.id, created_at=ago(days=days))
            for d in approved
            for number, days in ((1, 10), (2, 8))
        ] + [
            Version(draft_id=d.id, client_id=d.client_id, number=1, body="Copy",
                    author_id=writer.id, created_at=ago(hours=30))
            for d in waiting
        ]  # fmt: skip
        db.session.add_all([*threads, *versions])
        db.session.flush()
        reviewer_of = {r.client_id: r for r in reviewers}
        db.session.add_all(
            Decision(version_id=v.id, draft_id=v.draft_id, user_id=reviewer_of[v.client_id].id,
                     verdict=Verdict.CHANGES_REQUESTED if v.number == 1 else Verdict.APPROVED,
                     created_at=v.created_at + timedelta(days=1))
            for v in versions[: 2 * len(approved)]
        )  # fmt: skip
        comments = []
        for thread in threads:
            reviewer = reviewer_of[thread.client_id]
            for author, body, hours in (
                (reviewer, "Love the new headline, thanks!", 6),
                (writer, "Glad it works.", 5),
                (reviewer, "Could @wren shorten the footer?", 1),
            ):
                comments.append(
                    Comment(thread_id=thread.id, client_id=thread.client_id, author_id=author.id,
                            from_client=author.is_client, body=body, body_html=f"<p>{body}</p>",
                            created_at=ago(hours=hours))
                )  # fmt: skip
        db.session.add_all(comments)
        db.session.flush()
        refresh_answers()  # written around the services, which keep each comment's answer
        db.session.add_all(Mention(comment_id=c.id, user_id=writer.id) for c in comments[2::3])
        db.session.add_all(ThreadParticipant(thread_id=t.id, user_id=writer.id) for t in threads)
        db.session.add_all(
            Pulse(client_id=client.id, author_id=manager.id, rating="healthy",
                  comment="All well.", created_at=ago(days=2))
            for client in clients
        )  # fmt: skip
        db.session.commit()


def snapshot_statements(app, now) -> list[str]:
    """The statements one run of ``take_snapshots`` at ``now`` issues; what it wrote is
    removed afterwards, so the next run starts afresh."""
    with count_statements(app) as statements:
        assert take_snapshots(now=now)
        db.session.commit()
    forget_snapshots(app)
    return statements


def forget_snapshots(app) -> None:
    """Remove what runs of ``take_snapshots`` wrote: snapshots, alerts and comments' tones."""
    with app.app_context():
        db.session.execute(delete(HealthAlert))
        db.session.execute(delete(HealthSnapshot))
        db.session.execute(update(Comment).values(tone=None))
        db.session.commit()


def test_take_snapshots_costs_the_same_for_3_or_300_clients(app, agency_staff):
    now = NOW
    add_busy_clients(app, agency_staff, 3, 0, now)
    with app.app_context():
        take_snapshots(now=now)
        signals = db.session.scalars(select(HealthSnapshot.signals)).all()
    forget_snapshots(app)
    # Every signal had data, so every fact query found rows.
    assert len(signals) == 3
    for client_signals in signals:
        assert all(signal["score"] is not None for signal in client_signals), client_signals

    few = snapshot_statements(app, now)
    add_busy_clients(app, agency_staff, 297, 3, now)
    many = snapshot_statements(app, now)

    assert few, "the counter saw no statements"
    assert len(few) == len(many), describe(many)


def test_recomputing_the_day_costs_the_same_for_3_or_300_clients(app, agency_staff):
    """The second run of a day updates the day's rows in place (one executemany)."""
    now = NOW

    def recompute_statements():
        with app.app_context():
            take_snapshots(now=now)
            db.session.commit()
        return snapshot_statements(app, now + timedelta(minutes=5))

    add_busy_clients(app, agency_staff, 3, 0, now)
    few = recompute_statements()
    add_busy_clients(app, agency_staff, 297, 3, now)
    many = recompute_statements()

    assert any(s.startswith("UPDATE health_snapshots") for s in many), describe(many)
    assert len(few) == len(many), describe(many)
