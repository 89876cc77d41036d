"""When and whether a person wants e-mail: quiet hours and one-click unsubscribe links."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.models import User
from portal.urls import public_url


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


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portal-unsubscribe")


def unsubscribe_token(user: User) -> str:
    """A token that lets whoever holds the e-mail turn this person's e-mail off, and no more."""
    return _serializer().dumps({"user": user.id, "email": user.email})


def unsubscribe_url(user: User) -> str:
    """The one-click unsubscribe link put into digests and notifications."""
    return public_url("unsubscribe.unsubscribe", token=unsubscribe_token(user))


def user_id_from_token(token: str, email_of) -> int | None:
    """The user a token was made for, if it is genuine and their address hasn't changed."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or email_of(data.get("user")) != data.get("email"):
        return None
    return data["user"]
