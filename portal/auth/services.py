"""Logging in and out, changing and resetting passwords."""

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.auth import timeouts
from portal.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    burn_verification_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from portal.auth.tokens import hash_token
from portal.errors import Gone, InvalidInput
from portal.events import record_event
from portal.extensions import db, login_manager
from portal.guests.sessions import guest_of_live_grant
from portal.mail.outbox import queue_email
from portal.mail.secret_links import new_secret_link
from portal.models import PasswordReset, User, fold_email, utcnow
from portal.routing import row_id
from portal.view_as.mode import reader_in_place_of

# Every signed-in request runs it: built once, since building a select costs as much as
# running this one.
USER_WITH_CLIENT = (
    select(User).options(joinedload(User.client)).where(User.id == bindparam("user_id"))
)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user behind a session id ``"<user id>:<session version>:<signed in at>"``, if
    still valid.

    An id issued before the user's last logout, password change or deactivation carries an
    old version and loads nobody, which ends that session and any remember-me cookie; so does
    one older than the longest a session may last (``portal.auth.timeouts``). While the
    session views as a client user, the request runs as them (``portal.view_as.mode``).
    """
    parts = session_id.split(":")
    if len(parts) != 3 or not timeouts.within_longest_lifetime(parts[2]):
        return None
    user_id, version = row_id(parts[0]), row_id(parts[1])
    if user_id is None or version is None:
        return None
    user = db.session.scalar(USER_WITH_CLIENT, {"user_id": user_id})
    if user is not None and user.is_guest:
        return guest_of_live_grant(user, version)
    if user is None or user.session_version != version or not can_sign_in(user):
        return None
    return reader_in_place_of(user, session_id)


def can_sign_in(user: User) -> bool:
    """Active users whose organisation (for client users) is not archived. Guests never sign
    in with a password, only through their link (``portal.guests``)."""
    return user.active and not user.is_guest and not (user.is_client and user.client.is_archived)


def find_user_by_email(email: str) -> User | None:
    """The user with this address (compared case-folded), with their client loaded."""
    return db.session.scalar(
        select(User).options(joinedload(User.client)).where(User.email == fold_email(email))
    )


def authenticate(email: str, password: str) -> User | None:
    """The user whose address and password match and who may sign in; otherwise None.

    Unknown addresses cost as much time as known ones, so timing reveals nothing.
    """
    user = find_user_by_email(email)
    if user is None:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password) or not can_sign_in(user):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, remember: bool) -> None:
    """Log ``user`` in on a fresh session: nothing from before the login carries over."""
    session.clear()
    login_user(user, remember=remember)
    timeouts.stamp(session, user.get_id(), kept=remember)
    # Without "keep me signed in" the cookie ends with the browser (and after 12 hours anyway).
    session.permanent = remember


def end_all_sessions(user: User) -> None:
    """Log out here and everywhere: every cookie issued to ``user`` stops working."""
    user.end_all_sessions()
    session.clear()
    # After the clear, so Flask-Login's note to delete the remember-me cookie survives.
    logout_user()


def validate_new_password(password: str, confirm: str) -> None:
    """Raise InvalidInput unless ``password`` is acceptable and confirmed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if password != confirm:
        raise InvalidInput("The two passwords don't match.")


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Set a new password after checking the current one; ends every other session."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput("Your current password isn't right.", field="current")
    validate_new_password(new, confirm)
    user.password_hash = hash_password(new)
    user.end_all_sessions()
    record_event(
        "password_changed", actor=user, subject=user, client_id=user.client_id, client_visible=False
    )


def request_password_reset(email: str) -> None:
    """E-mail a reset link if ``email`` belongs to a user who may sign in; else do nothing.

    The caller answers the same either way, so the response reveals nothing about accounts.
    """
    user = find_user_by_email(email)
    if user is None or not can_sign_in(user):
        return
    link, token_hash = new_secret_link("auth.reset_password")
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash,
        expires_at=utcnow() + current_app.config["PASSWORD_RESET_TTL"],
    )
    db.session.add(reset)
    db.session.flush()
    queue_email(
        to=user.email,
        user=user,
        subject="Reset your Portal password",
        template="password_reset",
        dedupe_key=f"password-reset-{reset.id}",
        link=link,
        ttl_hours=int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 3600),
    )


def find_password_reset(token: str) -> PasswordReset:
    """The reset behind ``token``; raises Gone when it is unknown, used or expired."""
    reset = db.session.scalar(
        select(PasswordReset)
        .options(joinedload(PasswordReset.user).joinedload(User.client))
        .where(PasswordReset.token_hash == hash_token(token))
    )
    if reset is None or not reset.is_usable or not can_sign_in(reset.user):
        raise Gone("This reset link has expired or has already been used. Ask for a new one.")
    return reset


def reset_password(token: str, new: str, confirm: str) -> User:
    """Set a new password through a reset link, spending it and every other session."""
    reset = find_password_reset(token)
    validate_new_password(new, confirm)
    user = reset.user
    user.password_hash = hash_password(new)
    user.end_all_sessions()
    now = utcnow()
    # Every outstanding link of this user is spent, not just the one used.
    for outstanding in db.session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        outstanding.used_at = now
    record_event(
        "password_reset", actor=user, subject=user, client_id=user.client_id, client_visible=False
    )
    return user
