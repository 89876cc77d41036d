"""When and whether a person wants e-mail: quiet hours, changes of preferences, and one-click
unsubscribe links.

An unsubscribe link carries the time it was issued. It stops working once it is older than
``UNSUBSCRIBE_TOKEN_MAX_AGE``, or once the person has changed their e-mail preferences since
(so turning e-mail back on makes every link sent before useless). Times are compared in whole
seconds, as the link carries them.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from portal.events import record_event
from portal.extensions import db
from portal.models import Event, User, utcnow
from portal.urls import public_url

PREFERENCES_CHANGED = "email_preferences_changed"


class StaleUnsubscribeLink(Exception):
    """A genuine unsubscribe link that no longer works: too old, or issued before the person
    last changed their e-mail preferences."""


def local_time(user: User, moment: datetime) -> datetime:
    """``moment`` on the person's own clock."""
    return moment.astimezone(ZoneInfo(user.timezone))


def in_quiet_hours(user: User, moment: datetime) -> bool:
    """Whether ``moment`` falls in the person's quiet hours (which may span midnight)."""
    if user.quiet_from is None or user.quiet_until is None or user.quiet_from == user.quiet_until:
        return False
    hour = local_time(user, moment).hour
    if user.quiet_from < user.quiet_until:
        return user.quiet_from <= hour < user.quiet_until
    return hour >= user.quiet_from or hour < user.quiet_until


def change_email_preferences(
    user: User,
    *,
    frequency: str,
    digest_hour: int,
    digest_weekday: int,
    quiet_hours: tuple[int | None, int | None],
) -> None:
    """Set how often and when ``user`` gets e-mail; a real change is logged, and so ends every
    unsubscribe link issued before it."""
    before = _preferences(user)
    user.email_frequency = frequency
    user.digest_hour, user.digest_weekday = digest_hour, digest_weekday
    user.quiet_from, user.quiet_until = quiet_hours
    if _preferences(user) != before:
        record_event(
            PREFERENCES_CHANGED,
            actor=user,
            subject=user,
            client_id=user.client_id,
            client_visible=False,
        )


def _preferences(user: User) -> tuple:
    return (user.email_frequency, user.digest_hour, user.digest_weekday,
            user.quiet_from, user.quiet_until)  # fmt: skip


def preferences_changed_at(user: User) -> datetime | None:
    """When ``user`` last changed their e-mail preferences, if ever."""
    return db.session.scalar(
        select(func.max(Event.created_at)).where(
            Event.actor_id == user.id,
            Event.verb == PREFERENCES_CHANGED,
            Event.subject_type == User.__tablename__,
            Event.subject_id == user.id,
        )
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portal-unsubscribe")


def unsubscribe_token(user: User) -> str:
    """A token that lets whoever holds the e-mail turn this person's e-mail off, and no more,
    for a while: it carries when it was issued."""
    issued = int(utcnow().timestamp())
    return _serializer().dumps({"user": user.id, "email": user.email, "issued": issued})


def unsubscribe_url(user: User) -> str:
    """The one-click unsubscribe link put into digests and notifications."""
    return public_url("unsubscribe.unsubscribe", token=unsubscribe_token(user))


def user_from_unsubscribe_token(token: str) -> User | None:
    """The person a token was made for, if it is genuine and their address hasn't changed;
    None if not.

    Raises StaleUnsubscribeLink for a genuine token that has expired, was issued before their
    last change of e-mail preferences, or carries no issue time (made before links expired).
    """
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or user.email != data.get("email"):
        return None
    issued = data.get("issued")
    if not isinstance(issued, int):
        raise StaleUnsubscribeLink
    max_age = current_app.config["UNSUBSCRIBE_TOKEN_MAX_AGE"]
    if issued < int((utcnow() - max_age).timestamp()):
        raise StaleUnsubscribeLink
    changed_at = preferences_changed_at(user)
    if changed_at is not None and issued < int(changed_at.timestamp()):
        raise StaleUnsubscribeLink
    return user
