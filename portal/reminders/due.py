"""When a review is due: read from what staff type, checked, set, and judged overdue."""

from datetime import datetime, time, timedelta

from portal.errors import InvalidInput
from portal.events import record_event
from portal.models import Draft, User, utcnow
from portal.notifications.preferences import local_time

# A due day given without a time means the end of that working day.
DEFAULT_DUE_TIME = time(17, 0)
FURTHEST_AHEAD = timedelta(days=366)
FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_review_due(text: str | None, actor: User, now: datetime | None = None):
    """The moment ``text`` names on ``actor``'s clock ("2026-12-11T17:00", as a browser's
    date-and-time field sends it, or a bare day, meaning 17:00), or None for an empty one.

    Raises InvalidInput for text that is no such date, a time already past, or one more
    than a year ahead."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        raise InvalidInput(
            "Give the due date as a day and time, such as 2026-12-11 17:00.", field="review_due"
        )
    if pattern == "%Y-%m-%d":
        parsed = datetime.combine(parsed.date(), DEFAULT_DUE_TIME)
    now = now or utcnow()
    due_at = parsed.replace(tzinfo=local_time(actor, now).tzinfo)
    # The wall time on the actor's clock (fold 0 across a daylight-saving change).
    due_at = due_at.astimezone(now.tzinfo)
    if due_at <= now:
        raise InvalidInput(
            "That time has passed: choose a due date still ahead.", field="review_due"
        )
    if due_at > now + FURTHEST_AHEAD:
        raise InvalidInput("Choose a due date within a year.", field="review_due")
    return due_at


def set_review_due(actor: User, draft: Draft, due_at: datetime | None) -> None:
    """Make ``due_at`` (None: no due date) when the client's decisions on ``draft``'s current
    version are due; a change is logged where the client sees it."""
    if draft.review_due_at == due_at:
        return
    draft.review_due_at = due_at
    record_event("review_due_set", actor=actor, subject=draft, client_id=draft.client_id,
                 client_visible=True, due_at=due_at.isoformat() if due_at else None)  # fmt: skip


def is_overdue(draft: Draft, now: datetime | None = None) -> bool:
    """Whether ``draft``'s review due time has passed (whether anyone still owes a decision
    is the caller's question)."""
    return draft.review_due_at is not None and draft.review_due_at < (now or utcnow())


def due_field_value(draft: Draft, reader: User) -> str:
    """``draft``'s due time as a date-and-time field shows it on ``reader``'s clock."""
    if draft.review_due_at is None:
        return ""
    return local_time(reader, draft.review_due_at).strftime("%Y-%m-%dT%H:%M")
