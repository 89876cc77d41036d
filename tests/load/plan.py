"""Who posts where: people of the seeded agency and the threads each of them may write in.

The portal's own access rules pick the threads (``access.visible_threads``), so a poster
never aims at a thread it can't read. Each poster also gets an unseen review notice on each
of its drafts, so that its first read of a draft page marks it seen: a write made by a GET,
under the same load as the posts.
"""

import random
from dataclasses import dataclass

from sqlalchemy import func, select

from portal import access, create_app
from portal.config import normalise_database_url
from portal.extensions import db
from portal.models import Client, Comment, ReviewNotice, Thread, ThreadKind, User, Version, utcnow
from portal.threads.services import current_version

THREADS_PER_POSTER = 4
IMAGE_DRAFTS = select(Version.draft_id).where(Version.mime_type.like("image/%"))


@dataclass(frozen=True)
class Target:
    """A thread a poster writes in, and what it may do there."""

    thread_id: int
    post_path: str  # where comments are posted
    read_mark_path: str  # where the read mark is posted
    read_path: str  # the page the thread is read on (its draft's page, or its own)
    reply_to_id: int | None  # a top-level comment the poster may answer
    last_comment_id: int | None  # how far a read mark goes
    pin_on_image: bool  # its draft's newest version is an image: pins go on it


@dataclass(frozen=True)
class Poster:
    """One signed-in person of the load, with the threads it writes in."""

    email: str
    targets: tuple[Target, ...]


def plan_posters(database_url: str, environment: dict, count: int, seed: int) -> list[Poster]:
    """``count`` people chosen at random (by ``seed``) among those who may read a thread,
    each with up to four of their threads; people repeat only when there are too few."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)}, environ=environment
    )
    rng = random.Random(seed)
    with app.app_context():
        try:
            people = db.session.scalars(select(User).where(User.active).order_by(User.id)).all()
            rng.shuffle(people)
            posters = []
            for person in people:
                targets = _targets(person, rng)
                if targets:
                    posters.append(Poster(person.email, targets))
                if len(posters) == count:
                    break
            if not posters:
                raise RuntimeError("nobody in the dataset may read a thread")
            db.session.commit()  # the review notices
            return [posters[i % len(posters)] for i in range(count)]
        finally:
            db.session.remove()
            db.engine.dispose()


def _targets(person: User, rng: random.Random) -> tuple[Target, ...]:
    visible = access.visible_threads(person).where(Thread.kind != ThreadKind.DIRECT)
    threads = db.session.scalars(visible.order_by(Thread.id)).all()
    on_images = db.session.scalars(visible.where(Thread.draft_id.in_(IMAGE_DRAFTS))).all()
    # One thread on an image, when there is one, so that its pins have somewhere to go.
    chosen = rng.sample(on_images, min(1, len(on_images)))
    others = [thread for thread in threads if thread not in chosen]
    chosen += rng.sample(others, min(THREADS_PER_POSTER - len(chosen), len(others)))
    return tuple(_target(person, thread) for thread in sorted(chosen, key=lambda t: t.id))


def _target(person: User, thread: Thread) -> Target:
    slug = db.session.scalar(select(Client.slug).where(Client.id == thread.client_id))
    visible = access.visible_comments(person, thread=thread)
    answerable = visible.where(Comment.reply_to_id.is_(None), Comment.deleted_at.is_(None))
    reply_to = db.session.scalar(answerable.with_only_columns(Comment.id).order_by(Comment.id))
    last = db.session.scalar(visible.with_only_columns(Comment.id).order_by(Comment.id.desc()))
    version = current_version(thread)
    if thread.draft_id is not None and version is not None:
        db.session.add(
            ReviewNotice(
                user_id=person.id,
                draft_id=thread.draft_id,
                version_id=version.id,
                created_at=utcnow(),
                handled_at=utcnow(),  # digested, so no e-mail is owed for it
            )
        )
    read_path = (
        f"/clients/{slug}/drafts/{thread.draft_id}"
        if thread.kind == ThreadKind.DRAFT
        else f"/clients/{slug}/threads/{thread.id}"
    )
    return Target(
        thread_id=thread.id,
        post_path=f"/clients/{slug}/threads/{thread.id}/comments",
        read_mark_path=f"/clients/{slug}/threads/{thread.id}/read",
        read_path=read_path,
        reply_to_id=reply_to,
        last_comment_id=last,
        pin_on_image=version is not None and version.is_image,
    )


def unseen_notices(database_url: str, environment: dict) -> int:
    """Review notices nobody has seen yet (the ones of drafts not read during the load)."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)}, environ=environment
    )
    with app.app_context():
        try:
            unseen = select(func.count()).where(ReviewNotice.seen_at.is_(None))
            return db.session.scalar(unseen)
        finally:
            db.session.remove()
            db.engine.dispose()
