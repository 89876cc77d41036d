"""Guest reviewers: sharing one draft by e-mail, opening it from the link, revoking it.

A guest is a ``User`` of kind ``guest`` (no client, no usable password) with a ``GuestGrant``
per draft shared with them. The link's token exists only in the e-mail as it is sent
(``portal.mail.secret_links``); the grant keeps its hash. Opening the link asks for the
address it was sent to; the right one opens a session bound to that grant (and so to that
draft) until it ends or the grant expires or is revoked. A guest allowed to decide is one of
the draft's reviewers while the grant is live, so the approval rule counts them like any other.
"""

import secrets
from datetime import datetime

from flask import current_app, session
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from portal import access
from portal.auth.passwords import hash_password
from portal.auth.services import start_session
from portal.auth.tokens import hash_token
from portal.errors import Conflict, Gone, InvalidInput
from portal.events import record_event
from portal.extensions import db
from portal.guests.sessions import GUEST_GRANT
from portal.mail.outbox import queue_email
from portal.mail.secret_links import new_secret_link
from portal.models import (
    GUEST_ROLE,
    Client,
    Draft,
    DraftReviewer,
    EmailFrequency,
    GuestGrant,
    User,
    UserKind,
    fold_email,
    utcnow,
)
from portal.urls import public_url
from portal.validation import display_name_problem, is_email_address


def guests_of(draft: Draft) -> list[GuestGrant]:
    """The grants of ``draft``, live ones first, each with its guest: for the staff's list."""
    return db.session.scalars(
        select(GuestGrant)
        .options(joinedload(GuestGrant.guest))
        .join(User, User.id == GuestGrant.guest_id)
        .where(GuestGrant.draft_id == draft.id)
        .order_by(GuestGrant.revoked_at.is_not(None), User.name, GuestGrant.id)
    ).all()


def invite_guest(
    actor: User, client: Client, draft: Draft, *, name: str, email: str, may_decide: bool
) -> GuestGrant | None:
    """Share ``draft`` with the person at ``email``: a grant (renewed, with a fresh link, if
    they had one) and an e-mail with the link. Returns the grant.

    Raises InvalidInput for a missing name or address, Conflict for an address whose account
    ``actor`` may know of (they can be made a reviewer instead). An address with an account
    hidden from ``actor`` is answered as a fresh one, but gets no link: its owner is told
    they have an account already, and None is returned.
    """
    name = " ".join((name or "").split())
    problem = display_name_problem(name) if name else "Give the guest's name."
    if problem:
        raise InvalidInput(problem, field="name")
    email = fold_email(email or "")
    if not is_email_address(email):
        raise InvalidInput("Give the address to send the link to.", field="email")
    found = db.session.execute(
        select(User, access.account_known_to(actor)).where(User.email == email)
    ).first()
    guest, known_to_actor = found if found else (None, False)
    if guest is not None and not guest.is_guest:
        if known_to_actor:
            raise Conflict(f"{email} already has an account: make them a reviewer instead.")
        queue_email(
            to=email,
            subject=f"Invitation to review for {client.name} on Portal",
            template="invitation_to_an_account",
            dedupe_key=f"guest-to-an-account-{draft.id}-{guest.id}-{secrets.token_hex(4)}",
            client=client,
            sign_in_link=public_url("auth.login"),
        )
        return None
    if guest is None:
        guest = User(
            email=email,
            name=name,
            # Never used: guests sign in through their link only.
            password_hash=hash_password(secrets.token_urlsafe(32)),
            kind=UserKind.GUEST,
            role=GUEST_ROLE,
            email_frequency=EmailFrequency.OFF,
        )
        db.session.add(guest)
        db.session.flush()
    grant = db.session.scalar(
        select(GuestGrant).where(GuestGrant.draft_id == draft.id, GuestGrant.guest_id == guest.id)
    )
    if grant is None:
        grant = GuestGrant(draft_id=draft.id, client_id=draft.client_id, guest_id=guest.id)
        db.session.add(grant)
    link, grant.token_hash = new_secret_link("guests.open_link")
    now = utcnow()
    grant.created_at = now
    grant.expires_at = now + current_app.config["GUEST_LINK_TTL"]
    grant.revoked_at = None
    grant.invited_by_id = actor.id
    grant.may_decide = may_decide
    db.session.flush()
    _set_reviewer(draft, guest, may_decide)
    queue_email(
        to=email,
        # The organisation and the draft, never the inviter's free-text name in a header.
        subject=f"Review “{draft.title}” for {client.name}",
        template="guest_invitation",
        dedupe_key=f"guest-invitation-{grant.id}-{grant.token_hash[:16]}",
        client=client,
        draft=draft,
        guest_name=name,
        may_decide=may_decide,
        ttl_days=current_app.config["GUEST_LINK_TTL"].days,
        link=link,
    )
    record_event("guest_invited", actor=actor, subject=grant, client_id=draft.client_id,
                 client_visible=False, draft_id=draft.id, guest_id=guest.id,
                 may_decide=may_decide)  # fmt: skip
    return grant


def _set_reviewer(draft: Draft, guest: User, reviewing: bool) -> None:
    """Make ``guest`` one of ``draft``'s reviewers, or no longer one."""
    is_reviewer = db.session.get(DraftReviewer, (draft.id, guest.id)) is not None
    if reviewing and not is_reviewer:
        db.session.add(DraftReviewer(draft_id=draft.id, user_id=guest.id))
    elif not reviewing and is_reviewer:
        db.session.execute(
            delete(DraftReviewer).where(
                DraftReviewer.draft_id == draft.id, DraftReviewer.user_id == guest.id
            )
        )
    db.session.flush()


def get_grant_or_404(draft: Draft, grant_id: int) -> GuestGrant:
    """Grant ``grant_id`` of ``draft``; 404 for any other."""
    grant = db.session.get(GuestGrant, grant_id)
    if grant is None or grant.draft_id != draft.id:
        access.refuse(404)
    return grant


def revoke_guest(actor: User, draft: Draft, grant: GuestGrant) -> None:
    """End ``grant``: its link and the guest's session stop working at once, and the guest
    no longer counts as a reviewer (their decisions stay in the log)."""
    if grant.revoked_at is not None:
        return
    grant.revoked_at = utcnow()
    _set_reviewer(draft, db.session.get(User, grant.guest_id), False)
    record_event("guest_revoked", actor=actor, subject=grant, client_id=draft.client_id,
                 client_visible=False, draft_id=draft.id, guest_id=grant.guest_id)  # fmt: skip


def grant_of_link(token: str, now: datetime | None = None) -> GuestGrant:
    """The grant a link's ``token`` opens: 404 for a token that opens nothing (tampered,
    or replaced by a newer link), Gone (410) for one expired or revoked."""
    grant = db.session.scalar(select(GuestGrant).where(GuestGrant.token_hash == hash_token(token)))
    if grant is None:
        access.refuse(404)
    if not grant.is_live(now):
        raise Gone("This link has expired or was withdrawn. Ask the agency for a new one.")
    return grant


def shared_draft(grant: GuestGrant) -> tuple[Client, Draft]:
    """The client and the draft ``grant`` opens."""
    return db.session.get(Client, grant.client_id), db.session.get(Draft, grant.draft_id)


def is_open_here(grant: GuestGrant) -> bool:
    """Whether this session is already the guest's, opened with ``grant``."""
    return current_user.is_authenticated and current_user.guest_grant is grant


def confirm_guest(grant: GuestGrant, email: str) -> tuple[Client, Draft]:
    """Open a guest session bound to ``grant`` if ``email`` is the address the link was sent
    to (InvalidInput otherwise); returns the client and the draft it opens."""
    guest = db.session.get(User, grant.guest_id)
    if not secrets.compare_digest(fold_email(email or "").encode(), guest.email.encode()):
        raise InvalidInput("That isn't the address this link was sent to.", field="email")
    grant.confirmed_at = grant.confirmed_at or utcnow()
    start_session(guest, remember=False)
    session[GUEST_GRANT] = grant.id
    return shared_draft(grant)
