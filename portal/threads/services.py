"""Threads and comments: posting, editing, resolving, promoting notes, reading."""

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from portal import access
from portal.errors import Conflict, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.models import (
    Assignment,
    Client,
    Comment,
    Draft,
    DraftKind,
    Mention,
    Project,
    Thread,
    ThreadKind,
    ThreadParticipant,
    User,
    Version,
    utcnow,
)
from portal.models.user import ROLE_HANDLES
from portal.notifications.services import notify_followers
from portal.threads import answers
from portal.threads.anchors import validate_anchor
from portal.threads.markdown import mentioned_handles, render_markdown
from portal.threads.subscriptions import follow_all, mark_read, mark_unread_for_others

MAX_COMMENT_LENGTH = 20_000
PAGE_SIZE = 50
# Comments redrawn live after a change: the newest of those a reader has on screen.
MAX_REDRAWN = 200


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput("Write something first.", field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"Keep a comment under {MAX_COMMENT_LENGTH:,} characters.", field="body")
    return body


def resolve_mentions(
    written: set[str], people: list[User], author: User
) -> tuple[set[str], set[int]]:
    """The ``written`` handles that name someone, and the ids of everyone they reach."""
    by_handle = {person.handle: person for person in people}
    handles, user_ids = set(), set()
    for handle in written:
        if handle in by_handle:
            handles.add(handle)
            user_ids.add(by_handle[handle].id)
        elif handle in ROLE_HANDLES:
            holders = [p for p in people if p.is_staff and p.role == ROLE_HANDLES[handle]]
            if holders:
                handles.add(handle)
                user_ids.update(p.id for p in holders)
    user_ids.discard(author.id)
    return handles, user_ids


def _render(source: str, thread: Thread, author: User, internal: bool):
    written = mentioned_handles(source)
    if not written:
        return render_markdown(source), set()
    who = access.people_who_may_be_mentioned(
        thread.client_id, staff_only=internal or thread.internal
    )
    people = db.session.scalars(who).all()
    handles, user_ids = resolve_mentions(written, people, author)
    return render_markdown(source, handles), user_ids


def current_version(thread: Thread) -> Version | None:
    """The newest version of the draft a thread discusses, or None."""
    if thread.draft_id is None:
        return None
    return db.session.scalar(
        select(Version).where(Version.draft_id == thread.draft_id).order_by(Version.number.desc())
    )


def post_comment(
    actor: User,
    thread: Thread,
    body: str,
    *,
    internal: bool = False,
    anchor: dict | None = None,
    reply_to_id: int | None = None,
    on_version_id: int | None = None,
) -> Comment:
    """Post a comment (with its mentions and activity event) in one transaction.

    Comments on a draft belong to its current version; an anchor points into that version.
    ``on_version_id`` is the version the author was looking at: a newer one refuses the
    comment (409) rather than moving it. A client-visible staff comment answers the client
    comments before it in the thread.
    """
    body = _clean_body(body)
    if internal and not access.can_write_staff_notes(actor):
        raise InvalidInput("Only agency staff can write staff-only notes.")
    internal = internal or thread.internal
    version = current_version(thread)
    if version is not None and on_version_id is not None and on_version_id != version.id:
        raise Conflict(
            f"Version {version.number} replaced the one you were reading. Nothing was posted: "
            f"your text is kept, post it again to comment on version {version.number}.",
            field="body",
        )
    if anchor is not None:
        if version is None:
            raise InvalidInput("There is no version to point at yet.")
        draft = db.session.get(Draft, thread.draft_id)
        anchor = validate_anchor(anchor, DraftKind(draft.kind), version)
    if reply_to_id is not None:
        parent = db.session.scalar(
            access.visible_comments(actor, thread=thread).where(Comment.id == reply_to_id)
        )
        if parent is None or not access.can_reply_to(actor, parent):
            raise InvalidInput("That reply points at a comment outside this thread.")
    html, mentioned_ids = _render(body, thread, actor, internal)
    now = utcnow()
    comment = Comment(
        thread_id=thread.id,
        client_id=thread.client_id,
        author_id=actor.id,
        body=body,
        body_html=html,
        internal=internal,
        version_id=version.id if version else None,
        anchor=anchor,
        reply_to_id=reply_to_id,
        from_client=not actor.is_staff,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    if comment.from_client:
        answers.record_client_comment(comment)
    else:
        answers.record_answer(comment, actor)
    _add_mentions(comment, thread, mentioned_ids)
    if not internal or thread.internal:
        # A note the thread's readers can't see must not move it up their lists.
        thread.last_comment_at = now
    notify_followers(comment)
    mark_unread_for_others(comment, thread)
    mark_read(actor, thread, comment.id)  # the author follows the thread from now on
    record_event("comment_posted", actor=actor, subject=comment, client_id=thread.client_id,
                 client_visible=not internal, thread_id=thread.id)  # fmt: skip
    return comment


def edit_comment(actor: User, comment: Comment, body: str, revision: int) -> None:
    """Change a comment's text; ``revision`` must be the one the editor started from (409)."""
    if comment.is_deleted:
        raise Conflict("That comment was deleted.")
    if not access.can_edit(actor, comment):
        raise InvalidInput("Only the author can edit a comment.")
    if revision != comment.revision:
        raise Conflict("This comment changed while you were editing it.")
    body = _clean_body(body)
    thread = db.session.get(Thread, comment.thread_id)
    comment.body = body
    comment.tone = None
    comment.body_html, mentioned_ids = _render(body, thread, actor, comment.internal)
    _add_mentions(comment, thread, mentioned_ids)
    comment.revision += 1
    comment.edited_at = utcnow()


def delete_comment(actor: User, comment: Comment) -> None:
    """Soft-delete a comment: it stays in the thread, shown as deleted. A deleted staff
    answer answers nobody: the client comments it answered wait again, unless a later
    answer stands."""
    if comment.is_deleted:
        return
    if not access.can_delete(actor, comment):
        raise InvalidInput("Only the author can delete a comment.")
    comment.deleted_at = utcnow()
    comment.revision += 1
    answers.withdraw_answer(comment)
    record_event("comment_deleted", actor=actor, subject=comment, client_id=comment.client_id,
                 client_visible=False)  # fmt: skip


def set_resolved(actor: User, comment: Comment, resolved: bool) -> None:
    """Resolve a comment (the point is dealt with) or reopen it."""
    comment.resolved_at = utcnow() if resolved else None
    comment.resolved_by_id = actor.id if resolved else None
    comment.revision += 1
    record_event("comment_resolved" if resolved else "comment_reopened", actor=actor,
                 subject=comment, client_id=comment.client_id,
                 client_visible=not comment.internal)  # fmt: skip


def promote_note(actor: User, comment: Comment) -> None:
    """Make a staff-only note inside a client-visible thread into a reply the client sees;
    it answers the client comments before it, as a reply posted then would."""
    thread = db.session.get(Thread, comment.thread_id)
    if comment.is_deleted:
        raise Conflict("That note was deleted.")
    if not access.can_promote(actor, comment):
        raise InvalidInput("Only a staff-only note in a client thread can be shared.")
    comment.internal = False
    comment.promoted_at = utcnow()
    comment.revision += 1
    answers.record_answer(comment, db.session.get(User, comment.author_id))
    comment.body_html, mentioned_ids = _render(comment.body, thread, actor, False)
    _add_mentions(comment, thread, mentioned_ids)
    thread.last_comment_at = comment.promoted_at
    mark_unread_for_others(comment, thread)
    record_event("note_promoted", actor=actor, subject=comment, client_id=comment.client_id,
                 client_visible=True, thread_id=thread.id)  # fmt: skip


def _add_mentions(comment: Comment, thread: Thread, user_ids: set[int]) -> None:
    """Record the people ``comment`` newly mentions; they follow the thread from now on."""
    if not user_ids:
        return
    already = set(
        db.session.scalars(select(Mention.user_id).where(Mention.comment_id == comment.id))
    )
    new = sorted(user_ids - already)
    if new:
        db.session.execute(
            insert(Mention), [{"comment_id": comment.id, "user_id": user_id} for user_id in new]
        )
    follow_all(new, thread)


def start_thread(
    actor: User,
    client: Client,
    *,
    title: str,
    body: str,
    kind: ThreadKind,
    project: Project | None = None,
    draft: Draft | None = None,
    internal: bool = False,
    participant_ids: set[int] = frozenset(),
) -> Thread:
    """Open a thread with its first comment: a direct conversation, a project or an internal one."""
    title = title.strip()
    if not title:
        raise InvalidInput("Give the conversation a subject.", field="title")
    if internal and not access.can_write_staff_notes(actor):
        raise InvalidInput("Only agency staff can open staff-only threads.")
    thread = Thread(
        client_id=client.id,
        project_id=project.id if project else (draft.project_id if draft else None),
        draft_id=draft.id if draft else None,
        kind=kind,
        title=title[:200],
        internal=internal,
        created_by_id=actor.id,
    )
    db.session.add(thread)
    db.session.flush()
    participants = sorted(participant_ids - {actor.id})
    if participants:
        db.session.execute(
            insert(ThreadParticipant),
            [{"thread_id": thread.id, "user_id": user_id} for user_id in participants],
        )
    follow_all(participants, thread)
    post_comment(actor, thread, body)
    return thread


def conversation_participants(client: Client, person_ids: list[int], role: str | None) -> set[int]:
    """The team members a client addresses, by name and/or by role on the account."""
    team = {
        a.user_id: a.user
        for a in db.session.scalars(
            select(Assignment)
            .options(joinedload(Assignment.user))
            .join(User, User.id == Assignment.user_id)
            .where(Assignment.client_id == client.id, User.active.is_(True))
        )
    }
    chosen = {person_id for person_id in person_ids if person_id in team}
    if len(chosen) != len(set(person_ids)):
        raise InvalidInput("Choose people from your account team.", field="people")
    if role:
        holders = {uid for uid, user in team.items() if user.role == role}
        if not holders:
            raise InvalidInput(
                "Nobody in that role is on your account team yet; ask your account manager.",
                field="role",
            )
        chosen |= holders
    if not chosen:
        raise InvalidInput("Choose who to ask: a person or a role.", field="people")
    return chosen


@dataclass(frozen=True)
class CommentPage:
    """A window of a thread's comments, oldest first, and whether older ones exist."""

    comments: list[Comment]
    has_older: bool

    @property
    def in_reading_order(self) -> list[tuple[Comment, bool]]:
        """The comments oldest first, except that replies follow their parent when it is on
        the page (replies are one level deep), each with whether it is such a nested reply; a
        reply to an older comment stays in its place."""
        on_page = {comment.id: comment for comment in self.comments}
        replies: dict[int, list[Comment]] = {}
        top_level = []
        for comment in self.comments:
            parent = on_page.get(comment.reply_to_id)
            if parent is not None and parent.reply_to_id is None:
                replies.setdefault(parent.id, []).append(comment)
            else:
                top_level.append(comment)
        ordered = []
        for comment in top_level:
            ordered.append((comment, False))
            ordered.extend((reply, True) for reply in replies.get(comment.id, ()))
        return ordered


def _visible_comments(user: User, thread: Thread, version_id: int | None = None):
    query = access.visible_comments(user, thread=thread).options(joinedload(Comment.author))
    return query if version_id is None else query.where(Comment.version_id == version_id)


def comment_page(
    user: User, thread: Thread, before_id: int | None = None, version_id: int | None = None
) -> CommentPage:
    """The newest ``PAGE_SIZE`` comments ``user`` may see (before ``before_id``, and made on
    ``version_id``, if given)."""
    query = _visible_comments(user, thread, version_id)
    if before_id is not None:
        query = query.where(Comment.id < before_id)
    newest_first = db.session.scalars(query.order_by(Comment.id.desc()).limit(PAGE_SIZE + 1)).all()
    return CommentPage(list(reversed(newest_first[:PAGE_SIZE])), len(newest_first) > PAGE_SIZE)


def comments_after(
    user: User, thread: Thread, after_id: int, version_id: int | None = None
) -> list[Comment]:
    """Comments ``user`` may see that arrived after ``after_id`` (made on ``version_id``, if
    given), oldest first (at most a page)."""
    return db.session.scalars(
        _visible_comments(user, thread, version_id)
        .where(Comment.id > after_id)
        .order_by(Comment.id)
        .limit(PAGE_SIZE)
    ).all()


def comments_between(
    user: User, thread: Thread, first_id: int, last_id: int, version_id: int | None = None
) -> list[Comment]:
    """The comments ``user`` may see from ``first_id`` to ``last_id`` (those on their screen;
    made on ``version_id``, if given), to redraw after a change: at most the newest
    ``MAX_REDRAWN``, oldest first."""
    newest_first = db.session.scalars(
        _visible_comments(user, thread, version_id)
        .where(Comment.id.between(first_id, last_id))
        .order_by(Comment.id.desc())
        .limit(MAX_REDRAWN)
    ).all()
    return newest_first[::-1]


def recent_threads(user: User, client: Client, project: Project | None = None, limit=20):
    """The conversations on ``client`` (or one project) ``user`` may read, latest first.

    Draft discussions are left out: they live on their drafts' pages.
    """
    query = access.visible_threads(user, client).where(Thread.kind != ThreadKind.DRAFT)
    if project is not None:
        query = query.where(Thread.project_id == project.id)
    return db.session.scalars(
        query.order_by(Thread.last_comment_at.desc().nulls_last(), Thread.id.desc()).limit(limit)
    ).all()
