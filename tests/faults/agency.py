"""The small agencies the fault scenarios run on, made with the suite's factories.

``stack.app`` makes them, with jobs inline and mail kept in the outbox, so seeding leaves no
job and no e-mail behind: whatever reaches Redis and the SMTP server comes from the scenario.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import (
    ClientRole,
    Comment,
    DraftKind,
    EmailFrequency,
    EmailMessage,
    EmailStatus,
    StaffRole,
    Subscription,
    User,
    utcnow,
)
from portal.threads.subscriptions import follow
from tests.factories import (
    TEST_PASSWORD,
    assign,
    make_client,
    make_client_user,
    make_draft,
    make_project,
    make_staff,
    make_thread,
)
from tests.faults.posting import Poster

PASSWORD = TEST_PASSWORD


@dataclass(frozen=True)
class Conversation:
    """A thread its client's people post into, watched by a writer on e-mail as it happens."""

    thread_id: int
    posters: list[Poster]
    watcher_id: int


def conversation(app, posters: int = 3) -> Conversation:
    """A client with ``posters`` reviewers in one thread, and the writer who watches it."""
    with app.app_context():
        client = make_client("Faults", slug="faults")
        people = [make_client_user(client, ClientRole.MEMBER) for _ in range(posters)]
        watcher = make_staff(
            StaffRole.COPYWRITER, email="watcher@agency.test",
            email_frequency=EmailFrequency.IMMEDIATE,
        )  # fmt: skip
        assign(client, watcher)
        thread = make_thread(client, people[0], title="Launch plan", body="Where are we?")
        follow(watcher, thread)
        db.session.commit()
        path = f"/clients/{client.slug}/threads/{thread.id}/comments"
        return Conversation(
            thread.id, [Poster(person.email, path) for person in people], watcher.id
        )


def notified_up_to(stack, conversation: Conversation) -> tuple[int, int]:
    """(the newest comment the watcher was e-mailed about, the newest comment by another)."""
    emailed = stack.scalar(
        select(Subscription.last_emailed_comment_id).where(
            Subscription.thread_id == conversation.thread_id,
            Subscription.user_id == conversation.watcher_id,
        )
    )
    newest = stack.scalar(
        select(func.max(Comment.id)).where(
            Comment.thread_id == conversation.thread_id,
            Comment.author_id != conversation.watcher_id,
        )
    )
    return emailed or 0, newest


def people_owed_a_digest(app, count: int) -> list[str]:
    """``count`` writers each owed today's daily digest (due at midnight, UTC) for a client
    question asked yesterday; their addresses. The client who asked gets no e-mail."""
    with app.app_context():
        client = make_client("Digests", slug="digests")
        reviewer = make_client_user(client, ClientRole.MEMBER, email_frequency=EmailFrequency.OFF)
        addresses = []
        for n in range(count):
            writer = make_staff(
                StaffRole.COPYWRITER, email=f"writer{n}@agency.test",
                email_frequency=EmailFrequency.DAILY, digest_hour=0, timezone="UTC",
            )  # fmt: skip
            assign(client, writer)
            addresses.append(writer.email)
        make_thread(client, reviewer, title="Launch", body="Is the launch still on?")
        yesterday_noon = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            hours=12
        )
        db.session.execute(update(User).values(created_at=yesterday_noon - timedelta(days=1)))
        db.session.execute(update(Comment).values(created_at=yesterday_noon))
        db.session.commit()
        return addresses


@dataclass(frozen=True)
class ImageDraft:
    """An image draft waiting for its first version, and the designer who uploads it."""

    draft_id: int
    maker_email: str
    upload_path: str
    slug: str


def image_draft(app) -> ImageDraft:
    """A client's project with an image draft, made by a designer on its team."""
    with app.app_context():
        client = make_client("Artwork", slug="artwork")
        maker = make_staff(StaffRole.CREATIVE, email="designer@agency.test")
        assign(client, maker)
        draft = make_draft(make_project(client), maker, kind=DraftKind.IMAGE)
        return ImageDraft(
            draft.id,
            maker.email,
            f"/clients/{client.slug}/drafts/{draft.id}/versions/new",
            client.slug,
        )


def every_notification_sent(stack, conversation: Conversation) -> bool:
    """Whether the watcher was e-mailed about every comment by another, and nothing waits
    in the outbox."""
    emailed, newest = notified_up_to(stack, conversation)
    unsent = stack.scalar(select(func.count()).where(EmailMessage.status != EmailStatus.SENT))
    return emailed >= newest and unsent == 0
