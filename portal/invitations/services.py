"""Inviting people in by e-mail, and accepting an invitation."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import access
from portal.auth.passwords import hash_password
from portal.auth.services import validate_new_password
from portal.auth.tokens import hash_token, new_token
from portal.errors import Conflict, Gone, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.mail.outbox import queue_email
from portal.models import (
    Client,
    ClientRole,
    Invitation,
    StaffRole,
    User,
    UserKind,
    fold_email,
    utcnow,
)
from portal.urls import public_url
from portal.validation import is_time_zone


def _check_address_free(email: str) -> str:
    email = fold_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"{email} already has an account.")
    return email


def _issue(actor: User, email: str, role: str, client: Client | None) -> Invitation:
    """Write an invitation and its e-mail; an earlier pending one to the same place is revoked."""
    email = _check_address_free(email)
    now = utcnow()
    for earlier in db.session.scalars(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.client_id == (client.id if client else None),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        earlier.revoked_at = now
    token, token_hash = new_token()
    invitation = Invitation(
        email=email,
        role=role,
        client_id=client.id if client else None,
        token_hash=token_hash,
        invited_by_id=actor.id,
        expires_at=now + current_app.config["INVITATION_TTL"],
    )
    db.session.add(invitation)
    db.session.flush()
    queue_email(
        to=email,
        subject=f"{actor.name} invited you to {client.name if client else 'the agency'} on Portal",
        template="invitation",
        dedupe_key=f"invitation-{invitation.id}",
        inviter=actor,
        client=client,
        link=public_url("invitations.accept", token=token),
        ttl_days=current_app.config["INVITATION_TTL"].days,
    )
    record_event(
        "member_invited",
        actor=actor,
        subject=invitation,
        client_id=client.id if client else None,
        client_visible=client is not None,
        email=email,
        role=role,
    )
    return invitation


def invite_client_user(actor: User, client: Client, email: str, role: str) -> Invitation:
    """Invite ``email`` into ``client`` as a client admin or reviewer.

    ``actor`` must be allowed to invite into this client at all (the caller checks);
    whether they may invite ``role`` is checked here.
    """
    if role not in set(ClientRole):
        raise InvalidInput("Choose client admin or client reviewer.")
    if not access.can_invite(actor, client, role):
        raise InvalidInput(
            "You can invite reviewers; ask the account manager to invite a client admin.",
            field="role",
        )
    if client.is_archived:
        raise InvalidInput(f"{client.name} is archived; restore it before inviting anyone.")
    return _issue(actor, email, role, client)


def invite_staff(actor: User, email: str, role: str) -> Invitation:
    """Invite ``email`` to join the agency's staff in ``role`` (admins only)."""
    if role not in set(StaffRole):
        raise InvalidInput("Choose a staff role.")
    return _issue(actor, email, role, None)


def pending_invitations(client: Client | None) -> list[Invitation]:
    """Invitations into ``client`` (or to the staff, for None) not yet accepted or revoked."""
    return db.session.scalars(
        select(Invitation)
        .where(
            Invitation.client_id == (client.id if client else None),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    ).all()


def find_invitation(token: str) -> Invitation:
    """The pending invitation behind ``token``; raises Gone if unknown, used or expired."""
    invitation = db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.client), joinedload(Invitation.invited_by))
        .where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or not invitation.is_pending:
        raise Gone("This invitation has expired or has already been used. Ask for a new one.")
    if invitation.client is not None and invitation.client.is_archived:
        raise Gone("This invitation is for an organisation that is no longer active.")
    return invitation


def accept_invitation(token: str, name: str, password: str, confirm: str, timezone: str) -> User:
    """Create the invited account with ``name``, ``password`` and ``timezone``, spending the
    invitation. Raises InvalidInput for a blank name, a weak password or an unknown zone."""
    invitation = find_invitation(token)
    name = name.strip()
    if not name:
        raise InvalidInput("Tell us your name.", field="name")
    if not is_time_zone(timezone):
        raise InvalidInput(
            f"“{timezone}” isn't a time zone we know. Choose yours from the list.",
            field="timezone",
        )
    validate_new_password(password, confirm)
    email = _check_address_free(invitation.email)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        kind=UserKind.CLIENT if invitation.client_id else UserKind.STAFF,
        role=invitation.role,
        client_id=invitation.client_id,
        timezone=timezone,
    )
    db.session.add(user)
    invitation.accepted_at = utcnow()
    db.session.flush()
    record_event(
        "member_joined",
        actor=user,
        subject=user,
        client_id=invitation.client_id,
        client_visible=invitation.client_id is not None,
        name=name,
    )
    return user
