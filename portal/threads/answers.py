"""Which client comments wait on the agency, kept on the comments themselves.

A client comment is answered once a later, client-visible, non-deleted staff comment stands
in its thread; staff-only notes are no answer. Searching every thread for such a comment
each time the inbox or a digest is drawn cost as much as all the comments ever written, so
each comment carries the answer instead:

- ``from_client``: a client user wrote it (set when it is posted; authors never change kind);
- ``answered_by_id``: on a client comment, the first staff answer after it, or None.

The invariant: on every client comment, ``answered_by_id`` is what
``portal.threads.queries.first_staff_reply_id`` finds (with no time bound). The writes that
can change it keep it, in their own transaction:

- a staff member posts a client-visible comment, or shares a staff-only note: it answers the
  earlier client comments of the thread that had no answer before it (``record_answer``);
- a client posts: normally nothing answers it yet, but a staff answer committed while it was
  being posted does (``record_client_comment``);
- a staff answer is deleted: as before this column, the comments it answered first fall to
  their next answer, or wait again (``withdraw_answer``).

Resolving, reopening or deleting the client comment itself changes nothing here:
``Comment.awaiting_answer`` reads ``resolved_at`` and ``deleted_at`` directly. Each write
locks its thread's row first, so two writes in one thread take turns and the second sees
the first.
"""

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Comment, Thread, User
from portal.threads.queries import first_staff_reply_id


def _lock_thread(thread_id: int) -> None:
    # FOR NO KEY UPDATE: it doesn't wait on the key-share locks that inserting comments takes.
    db.session.execute(
        select(Thread.id).where(Thread.id == thread_id).with_for_update(key_share=True)
    )


def _is_staff_answer(comment: Comment, author: User) -> bool:
    return author.is_staff and not comment.internal and comment.deleted_at is None


def record_answer(reply: Comment, author: User) -> None:
    """If ``reply`` (by ``author``) answers clients, mark it the first answer of the earlier
    client comments in its thread that had none before it."""
    if not _is_staff_answer(reply, author):
        return
    db.session.flush()
    _lock_thread(reply.thread_id)
    db.session.execute(
        update(Comment)
        .where(
            Comment.thread_id == reply.thread_id,
            Comment.from_client.is_(True),
            Comment.id < reply.id,
            Comment.answered_by_id.is_(None) | (Comment.answered_by_id > reply.id),
        )
        .values(answered_by_id=reply.id)
    )


def record_client_comment(comment: Comment) -> None:
    """Set the answer of ``comment``, a client comment just posted: a staff answer after it
    can only be one committed while it was being posted."""
    db.session.flush()
    _lock_thread(comment.thread_id)
    _refresh_answers(Comment.id == comment.id)


def withdraw_answer(reply: Comment) -> None:
    """``reply`` was deleted: the client comments it answered first fall to their next
    answer, or wait again."""
    db.session.flush()
    _lock_thread(reply.thread_id)
    _refresh_answers(Comment.thread_id == reply.thread_id, Comment.answered_by_id == reply.id)


def refresh_answers() -> None:
    """Recompute every comment's answer from the thread itself: for rows written around the
    services (bulk loads). The migration that added the column did the same in plain SQL."""
    _refresh_answers()


def _refresh_answers(*conditions) -> None:
    db.session.execute(
        update(Comment)
        .where(Comment.from_client.is_(True), *conditions)
        .values(answered_by_id=first_staff_reply_id(Comment))
        .execution_options(synchronize_session="fetch")
    )
