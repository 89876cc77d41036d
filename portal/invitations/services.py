"""Inviting people in by e-mail, and accepting an invitation."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import access
from portal.auth.passwords import hash_password
from portal.auth.services import validate_new_password
from portal.auth.tokens import hash_token
from portal.errors import Conflict, Gone, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.mail.outbox import queue_email
from portal.mail.secret_links import new_secret_link
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
from portal.validation import display_name_problem, is_time_zone


def _check_address_free(email: str) -> str:
    email = fold_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"{email} already has an account.")
    return email


def _issue(actor: User, email: str, role: str, client: Client | None) -> Invitation:
    """Write an invitation and its e-mail; an earlier pending one to the same place is revoked.

    Raises Conflict for an address whose account ``actor`` may know of
    (``access.account_known_to``). An address whose account is hidden from ``actor`` (staff,
    another organisation's people) is answered exactly as a fresh one, pending row and event
    included, so that nothing tells the two apart; but the token of its link is dropped
    unsent, and its owner is told they already have an account, so nobody can attach that
    account here.
    """
    email = fold_email(email)
    # One statement whether or not the address is taken, so the answer takes as long.
    account = db.session.execute(
        select(User.id, access.account_known_to(actor)).where(User.email == email)
    ).first()
    if account is not None and account[1]:
        raise Conflict(f"{email} already has an account.")
    has_hidden_account = account is not None
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
    link, token_hash = new_secret_link("invitations.accept")
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
    if has_hidden_account:
        # The link is dropped unsent: its token, and so the pending row, opens nothing.
        template, links = "invitation_to_an_account", {"sign_in_link": public_url("auth.login")}
    else:
        template, links = "invitation", {"link": link}
    queue_email(
        to=email,
        # The organisation, never the inviter: a name is free text its owner chose.
        subject=f"Invitation to join {client.name if client else 'the agency'} on Portal",
        template=template,
        dedupe_key=f"invitation-{invitation.id}",
        client=client,
        inviter_name=_quotable_name(actor.name),
        ttl_days=current_app.config["INVITATION_TTL"].days,
        **links,
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


def _quotable_name(name: str) -> str | None:
    """``name`` if it passes today's rules for display names; None for a name saved before
    them that doesn't, which an e-mail then leaves out."""
    return None if display_name_problem(name) else name


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
