"""Plain factory helpers with sensible defaults: call them inside an app context.

Each one commits and returns its row with every column loaded, so tests can keep reading
ids and names after the app context has gone.
"""

import io
import itertools
from datetime import timedelta

from PIL import Image

from portal.auth import timeouts
from portal.auth.passwords import hash_password
from portal.auth.tokens import hash_token
from portal.drafts import services as draft_services
from portal.drafts.storage import store_upload
from portal.extensions import db
from portal.guests.sessions import GUEST_GRANT
from portal.jobs import dispatch_ready
from portal.mail.delivery import build_mime
from portal.models import (
    GUEST_ROLE,
    Assignment,
    Client,
    ClientRole,
    Comment,
    Draft,
    DraftKind,
    DraftReviewer,
    EmailFrequency,
    GuestGrant,
    Invitation,
    PasswordReset,
    Project,
    StaffRole,
    Thread,
    ThreadKind,
    User,
    UserKind,
    Version,
    utcnow,
)
from portal.threads import services as thread_services

TEST_PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)
_password_hashes = {}


def _password_hash() -> str:
    # Hashing once per session keeps factories fast; the hash is a real argon2id one.
    if "hash" not in _password_hashes:
        _password_hashes["hash"] = hash_password(TEST_PASSWORD)
    return _password_hashes["hash"]


def persist(*rows):
    """Add and commit ``rows``, keeping them (and earlier ones) readable when detached, and
    run the jobs the commit queued."""
    session = db.session()
    # Only this test's session: rows made earlier in the same app context stay loaded.
    session.expire_on_commit = False
    session.add_all(rows)
    session.commit()
    # What the commit queued runs now, as it would after a request (inline, or to Redis).
    dispatch_ready()
    for row in rows:
        session.refresh(row)
    return rows[0] if len(rows) == 1 else rows


def make_client(name: str | None = None, **overrides) -> Client:
    """A live client organisation."""
    n = next(_numbers)
    name = name or f"Client {n}"
    fields = {"name": name, "slug": name.lower().replace(" ", "-")} | overrides
    return persist(Client(**fields))


def make_staff(role: StaffRole = StaffRole.COPYWRITER, **overrides) -> User:
    """An active staff member with ``role`` and the test password."""
    n = next(_numbers)
    fields = {
        "email": f"staff{n}@agency.test",
        "name": f"Staff Member {n}",
        "password_hash": _password_hash(),
        "kind": UserKind.STAFF,
        "role": role,
    } | overrides
    return persist(User(**fields))


def make_client_user(client: Client, role: ClientRole = ClientRole.MEMBER, **overrides) -> User:
    """An active user of ``client`` with the test password."""
    n = next(_numbers)
    fields = {
        "email": f"person{n}@{client.slug}.test",
        "name": f"Client Person {n}",
        "password_hash": _password_hash(),
        "kind": UserKind.CLIENT,
        "role": role,
        "client_id": client.id,
    } | overrides
    return persist(User(**fields))


def assign(client: Client, user: User, *, account_manager=False, responsibility="") -> Assignment:
    """Put ``user`` on ``client``'s account team."""
    return persist(
        Assignment(
            client_id=client.id,
            user_id=user.id,
            is_account_manager=account_manager,
            responsibility=responsibility or f"Works on {client.name}",
        )
    )


def make_project(client: Client, **overrides) -> Project:
    """A project under ``client``."""
    n = next(_numbers)
    fields = {"client_id": client.id, "name": f"Project {n}", "brief": "A brief."} | overrides
    return persist(Project(**fields))


def make_invitation(
    token: str, *, client: Client | None, role: str, email=None, expires_in=timedelta(days=7)
) -> Invitation:
    """An invitation whose link carries ``token``."""
    n = next(_numbers)
    return persist(
        Invitation(
            email=email or f"invitee{n}@example.test",
            client_id=client.id if client else None,
            role=role,
            token_hash=hash_token(token),
            expires_at=utcnow() + expires_in,
        )
    )


def make_password_reset(token: str, user: User, expires_in=timedelta(hours=2)) -> PasswordReset:
    """A password reset for ``user`` whose link carries ``token``."""
    return persist(
        PasswordReset(
            user_id=user.id, token_hash=hash_token(token), expires_at=utcnow() + expires_in
        )
    )


def sign_in(test_client, user: User, guest_grant: GuestGrant | None = None) -> None:
    """Give ``test_client`` a signed-in session for ``user`` without the login form; for a
    guest, the session their link opens, bound to ``guest_grant``."""
    with test_client.session_transaction() as session:
        timeouts.stamp(session, user.get_id(), kept=True)
        session["_fresh"] = True
        if guest_grant is not None:
            session[GUEST_GRANT] = guest_grant.id


def make_guest(
    draft: Draft, token: str, *, may_decide=False, name="Gil Guest", expires_in=timedelta(days=30)
) -> GuestGrant:
    """A guest of ``draft`` whose link carries ``token``, as sharing leaves them (the guest
    in ``.guest``); a guest who may decide is one of its reviewers."""
    n = next(_numbers)
    guest = persist(
        User(
            email=f"guest{n}@outside.test",
            name=name,
            password_hash=_password_hash(),
            kind=UserKind.GUEST,
            role=GUEST_ROLE,
            email_frequency=EmailFrequency.OFF,
        )
    )
    grant = GuestGrant(
        draft_id=draft.id,
        client_id=draft.client_id,
        guest_id=guest.id,
        may_decide=may_decide,
        token_hash=hash_token(token),
        expires_at=utcnow() + expires_in,
    )
    if may_decide:
        db.session.add(DraftReviewer(draft_id=draft.id, user_id=guest.id))
    persist(grant)
    grant.guest = guest
    return grant


def png_bytes(width=40, height=30, colour=(200, 80, 40)) -> bytes:
    """A real PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def make_draft(project: Project, maker: User, kind=DraftKind.COPY, **overrides) -> Draft:
    """A draft (with its discussion thread) made through the real service."""
    n = next(_numbers)
    fields = {"title": f"Draft {n}", "kind": kind, "maker": maker, "due_date": None} | overrides
    draft = draft_services.create_draft(maker, project, **fields)
    return persist(draft)


def make_version(
    draft: Draft, author: User, body: str | None = None, image: bytes | None = None, **kwargs
) -> Version:
    """The next version of ``draft``: copy text, or an image stored like an upload."""
    stored = None
    if draft.kind != DraftKind.COPY:
        stored = store_upload(io.BytesIO(image or png_bytes()), "artwork.png", draft.kind)
    version = draft_services.add_version(
        author,
        draft,
        note=kwargs.pop("note", ""),
        body=body or "Fresh copy.",
        stored=stored,
        **kwargs,
    )
    return persist(version)


def make_thread(
    client: Client, author: User, *, project=None, internal=False, body="Hello.", title="A question"
) -> Thread:
    """A project (or staff-only) thread with a first comment by ``author``."""
    thread = thread_services.start_thread(
        author,
        client,
        title=title,
        body=body,
        kind=ThreadKind.INTERNAL if internal else ThreadKind.PROJECT,
        project=project,
        internal=internal,
    )
    return persist(thread)


def make_comment(thread: Thread, author: User, body="A comment.", **kwargs) -> Comment:
    """A comment posted through the real service."""
    comment = thread_services.post_comment(author, thread, body, **kwargs)
    return persist(comment)


def sent_text(message) -> str:
    """The plain text of an outbox ``message`` as the mail path sends it: its secret links
    worked out from their placeholders (the body stored holds none). In an app context."""
    return build_mime(message, "portal@test").get_body(("plain",)).get_content()
