"""Invitations tell an inviter nothing about accounts they can't see (issue 12, defect 7), and
carry no free text a stranger could use to phish (defect 8)."""

import html
import re

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.mail.delivery import build_mime
from portal.models import ClientRole, EmailMessage, Invitation, User, utcnow
from tests.drafts.helpers import rows
from tests.factories import make_invitation, sign_in

INVITATION_LINK = re.compile(r"/invitations/[A-Za-z0-9_-]{20,}")
ACCEPT_TOKEN = "abuse-invitation-token"


def answer_to_inviting(app, browser, address) -> tuple:
    """What an inviter sees on inviting ``address`` into Alpha: the status and redirect, and
    the page that follows with ``address`` written ADDRESS. The invitation is then revoked, so
    that the next answer starts from the same list of pending invitations."""
    posted = browser.post(
        "/clients/alpha/invitations", data={"email": address, "role": ClientRole.MEMBER}
    )
    page = browser.get("/clients/alpha/invitations")
    with app.app_context():
        db.session.execute(
            update(Invitation).where(Invitation.email == address).values(revoked_at=utcnow())
        )
        db.session.commit()
    body = page.text.replace(address, "ADDRESS")
    # A fresh CSRF token and expiry time on every page, whoever is invited.
    body = re.sub(r'(name="csrf_token"[^>]*?value="|"X-CSRFToken": ")[^"]+', r"\1", body)
    body = re.sub(r'datetime="[^"]+"', "", body)
    return posted.status_code, posted.headers.get("Location"), page.status_code, body


def name_error(response) -> str:
    """The error shown under the name field, as read."""
    match = re.search(r'<p class="field-error" id="name-error">([^<]*)</p>', response.text)
    return html.unescape(match.group(1)) if match else ""


def sent_to(app, address) -> list:
    """The text and HTML of each message to ``address``, as the mail path sends it."""
    with app.app_context():
        sent = []
        for message in rows(app, EmailMessage, EmailMessage.to_address == address):
            mime = build_mime(message, "portal@test")
            html_part = mime.get_body(("html",))
            sent.append(
                (
                    message.subject,
                    mime.get_body(("plain",)).get_content(),
                    html_part.get_content() if html_part else "",
                )
            )
        return sent


def rename(app, user, name) -> None:
    """Give ``user`` ``name`` straight in the database, as a name saved before the rules."""
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(name=name))
        db.session.commit()


@pytest.fixture
def client_admin(client, world):
    """A browser signed in as Alpha's client admin."""
    sign_in(client, world.person("client_admin_a"))
    return client


# --- defect 7: account enumeration -----------------------------------------------------------


def test_a_staff_or_another_clients_address_is_answered_as_a_fresh_one(app, client_admin, world):
    fresh = answer_to_inviting(app, client_admin, "nobody-yet@example.test")
    staff = answer_to_inviting(app, client_admin, world.person("admin").email)
    elsewhere = answer_to_inviting(app, client_admin, world.person("client_b").email)

    assert fresh[:3] == (302, "/clients/alpha/invitations", 200)
    assert "Invitation sent to ADDRESS." in fresh[3]
    assert staff == fresh
    assert elsewhere == fresh


@pytest.mark.parametrize("persona", ["admin", "client_b"])
def test_nothing_lets_an_account_elsewhere_join_the_inviters_client(
    app, client_admin, world, persona
):
    person = world.person(persona)

    response = client_admin.post(
        "/clients/alpha/invitations", data={"email": person.email, "role": ClientRole.MEMBER}
    )

    assert response.status_code == 302
    [(subject, text, html_body)] = sent_to(app, person.email)
    assert "Alpha" in subject
    assert "already have a Portal account" in text
    assert not INVITATION_LINK.search(text) and not INVITATION_LINK.search(html_body)
    [stored] = rows(app, User, User.id == person.id)
    assert (stored.kind, stored.client_id, stored.role) == (
        person.kind,
        person.client_id,
        person.role,
    )


# --- defect 8: display names in invitations ----------------------------------------------------


REFUSED_NAMES = {
    "a web address": ("Robin from paypal-support.com", "can't contain a web address"),
    "a link": ("Robin https://evil.example/login", "can't contain a web address"),
    "a phone number": ("Robin, call +44 20 7946 0958", "can't contain a phone number"),
    "too many characters": ("Robin " + "R" * 94, "Use at most 80 characters"),
    "a right-to-left override": ("Robin \u202egnp.exe", "invisible characters"),
}


@pytest.mark.parametrize("kind", REFUSED_NAMES)
def test_a_name_to_join_with_is_refused_with_a_clear_message(app, client, world, kind):
    name, message = REFUSED_NAMES[kind]
    with app.app_context():
        make_invitation(
            ACCEPT_TOKEN, client=world.client_a, role=ClientRole.MEMBER, email="robin@alpha.example"
        )

    response = client.post(
        f"/invitations/{ACCEPT_TOKEN}",
        data={
            "name": name,
            "password": "a perfectly long password",
            "confirm": "a perfectly long password",
        },
    )

    assert response.status_code == 422
    assert message in name_error(response)
    assert rows(app, User, User.email == "robin@alpha.example") == []


@pytest.mark.parametrize("kind", REFUSED_NAMES)
def test_a_new_name_on_the_profile_is_refused_with_a_clear_message(app, client_admin, world, kind):
    name, message = REFUSED_NAMES[kind]

    response = client_admin.post("/account", data={"name": name, "timezone": "Europe/London"})

    assert response.status_code == 422
    assert message in name_error(response)
    [stored] = rows(app, User, User.id == world.person("client_admin_a").id)
    assert stored.name == world.person("client_admin_a").name


def invitation_from(app, client_admin, world, inviter_name: str) -> tuple[str, str, str]:
    """The subject, text and HTML of the invitation the client admin, named so, sends Robin."""
    rename(app, world.person("client_admin_a"), inviter_name)
    client_admin.post(
        "/clients/alpha/invitations",
        data={"email": "robin@example.test", "role": ClientRole.MEMBER},
    )
    [sent] = sent_to(app, "robin@example.test")
    return sent


def test_the_invitation_names_the_organisation_not_the_inviter(app, client_admin, world):
    subject, text, html_body = invitation_from(app, client_admin, world, "Ann <i>Ng</i> & Co")

    assert subject == "Invitation to join Alpha on Portal"
    assert text.index("Alpha") < text.index("Ann <i>Ng</i> & Co")
    assert "Ann &lt;i&gt;Ng&lt;/i&gt; &amp; Co" in html_body and "<i>" not in html_body


def test_a_name_saved_before_the_rules_stays_out_of_the_invitation(app, client_admin, world):
    name = "IT desk: call +44 20 7946 0958 now"
    subject, text, html_body = invitation_from(app, client_admin, world, name)

    for part in (subject, text, html_body):
        assert "7946" not in part and "IT desk" not in part
    assert "Alpha" in subject
