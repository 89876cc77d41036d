"""Inviting people in by e-mail, and accepting an invitation through its single-use link."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ClientRole,
    EmailMessage,
    EmailStatus,
    Event,
    Invitation,
    StaffRole,
    User,
    UserKind,
    utcnow,
)
from tests.factories import (
    make_client,
    make_client_user,
    make_invitation,
    make_staff,
    sent_text,
    sign_in,
)

NEW_PASSWORD = "a perfectly long password"
INVITE_LINK = re.compile(r"http://portal\.test/invitations/([A-Za-z0-9_-]+)")


# --- helpers -------------------------------------------------------------------------------


def rows(app, model, *where):
    """Every row of ``model`` matching ``where``, read in a fresh app context."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(select(model).where(*where).order_by(model.id)).all()


def invite_client_user(browser, slug, email, role=ClientRole.MEMBER):
    return browser.post(f"/clients/{slug}/invitations", data={"email": email, "role": role})


def invite_staff(browser, email, role=StaffRole.COPYWRITER):
    return browser.post("/admin/staff/invitations", data={"email": email, "role": role})


def emails_to(app, address):
    return rows(app, EmailMessage, EmailMessage.to_address == address)


def text_sent(app, message: EmailMessage) -> str:
    with app.app_context():
        return sent_text(message)


def token_in(app, message: EmailMessage) -> str:
    """The invitation token in the link of an invitation e-mail, as sent."""
    text = text_sent(app, message)
    match = INVITE_LINK.search(text)
    assert match, f"no invitation link in:\n{text}"
    return match.group(1)


def latest_token_sent_to(app, address) -> str:
    return token_in(app, emails_to(app, address)[-1])


def accept(browser, token, name="Robin Reviewer", password=NEW_PASSWORD, confirm=None):
    return browser.post(
        f"/invitations/{token}",
        data={
            "name": name,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def make_archived_client(app, name):
    with app.app_context():
        return make_client(name, archived_at=utcnow())


def make_user_with_address(app, client, email) -> str:
    """A client user of ``client`` (or a staff member, for None) with ``email``."""
    with app.app_context():
        if client is None:
            return make_staff(email=email).email
        return make_client_user(client, email=email).email


def sign_in_as(browser, world, persona):
    sign_in(browser, world.person(persona))
    return browser


# --- inviting a client user ----------------------------------------------------------------


def test_maker_on_the_team_invites_a_client_reviewer(app, client, world):
    sign_in_as(client, world, "maker_on_a")

    response = invite_client_user(client, "alpha", "robin@alpha.example")

    assert response.status_code == 302
    assert response.headers["Location"] == "/clients/alpha/invitations"
    [invitation] = rows(app, Invitation, Invitation.email == "robin@alpha.example")
    assert invitation.client_id == world.client_a.id
    assert invitation.role == ClientRole.MEMBER
    assert invitation.invited_by_id == world.person("maker_on_a").id
    assert invitation.accepted_at is None and invitation.revoked_at is None


def test_the_invitation_email_carries_the_link_and_the_table_only_its_hash(app, client, world):
    sign_in_as(client, world, "maker_on_a")

    invite_client_user(client, "alpha", "robin@alpha.example")

    [message] = emails_to(app, "robin@alpha.example")
    assert message.status == EmailStatus.LOGGED
    assert message.subject == "Invitation to join Alpha on Portal"
    token = token_in(app, message)
    assert f"http://portal.test/invitations/{token}" in text_sent(app, message)
    [invitation] = rows(app, Invitation, Invitation.email == "robin@alpha.example")
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with app.app_context():
        stored = db.session.execute(select(Invitation.__table__)).all()
    assert all(token not in str(value) for row in stored for value in row)


def test_the_invitation_link_uses_the_public_url_not_the_requests_host(
    app, client, world, monkeypatch
):
    # Production sets no SERVER_NAME (see portal/config.py), so url_for(_external=True) can
    # only go on the Host header of the request, which the sender controls. PUBLIC_URL is
    # the address links must use; here the test client's requests say "localhost".
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    sign_in_as(client, world, "maker_on_a")

    response = invite_client_user(client, "alpha", "robin@alpha.example")

    assert response.status_code == 302
    [message] = emails_to(app, "robin@alpha.example")
    assert "http://localhost/" not in text_sent(app, message)
    assert f"{app.config['PUBLIC_URL']}/invitations/" in text_sent(app, message)


def test_pending_invitations_are_listed_on_the_invitation_page(client, world):
    sign_in_as(client, world, "account_manager_a")
    invite_client_user(client, "alpha", "robin@alpha.example", ClientRole.ADMIN)

    page = client.get("/clients/alpha/invitations").text

    assert "Invitation sent to robin@alpha.example." in page
    assert "<td>robin@alpha.example</td><td>Client admin</td>" in page


def test_expired_invitations_are_not_listed_as_pending(app, client, world):
    with app.app_context():
        make_invitation(
            "old-token",
            client=world.client_a,
            role=ClientRole.MEMBER,
            email="old@alpha.example",
            expires_in=-timedelta(days=1),
        )
    sign_in_as(client, world, "maker_on_a")

    page = client.get("/clients/alpha/invitations").text

    assert "old@alpha.example" not in page


def test_client_admin_invites_into_their_own_organisation(app, client, world):
    sign_in_as(client, world, "client_admin_a")

    response = invite_client_user(client, "alpha", "colleague@alpha.example", ClientRole.ADMIN)

    assert response.status_code == 302
    [invitation] = rows(app, Invitation, Invitation.email == "colleague@alpha.example")
    assert (invitation.client_id, invitation.role) == (world.client_a.id, ClientRole.ADMIN)
    assert len(emails_to(app, "colleague@alpha.example")) == 1


def test_client_admin_cannot_invite_into_another_organisation(app, client, world):
    sign_in_as(client, world, "client_admin_a")

    assert client.get("/clients/beta/invitations").status_code == 404
    assert invite_client_user(client, "beta", "spy@beta.example").status_code == 404

    assert rows(app, Invitation, Invitation.client_id == world.client_b.id) == []
    assert emails_to(app, "spy@beta.example") == []


def test_client_member_who_is_not_an_admin_cannot_invite(app, client, world):
    sign_in_as(client, world, "client_member_a")

    assert client.get("/clients/alpha/invitations").status_code == 403
    assert invite_client_user(client, "alpha", "friend@alpha.example").status_code == 403

    assert rows(app, Invitation, Invitation.email == "friend@alpha.example") == []


def test_a_maker_invites_reviewers_but_not_client_admins(app, client, world):
    sign_in_as(client, world, "maker_on_a")

    form = client.get("/clients/alpha/invitations").text
    response = invite_client_user(client, "alpha", "boss@alpha.example", ClientRole.ADMIN)

    assert f'value="{ClientRole.ADMIN}"' not in form
    assert f'value="{ClientRole.MEMBER}"' in form
    assert response.status_code == 422
    assert rows(app, Invitation, Invitation.email == "boss@alpha.example") == []


def test_the_account_manager_invites_a_client_admin(app, client, world):
    sign_in_as(client, world, "account_manager_a")

    response = invite_client_user(client, "alpha", "boss@alpha.example", ClientRole.ADMIN)

    assert response.status_code == 302
    [invitation] = rows(app, Invitation, Invitation.email == "boss@alpha.example")
    assert invitation.role == ClientRole.ADMIN


def test_client_admin_cannot_invite_someone_with_an_agency_role(app, client, world):
    sign_in_as(client, world, "client_admin_a")

    response = invite_client_user(client, "alpha", "boss@alpha.example", StaffRole.ADMIN)

    assert response.status_code == 422
    assert rows(app, Invitation, Invitation.email == "boss@alpha.example") == []


def test_reinviting_an_address_revokes_the_earlier_invitation(app, client, new_browser, world):
    sign_in_as(client, world, "maker_on_a")
    invite_client_user(client, "alpha", "robin@alpha.example")
    first_token = latest_token_sent_to(app, "robin@alpha.example")

    invite_client_user(client, "alpha", "robin@alpha.example")

    second_token = latest_token_sent_to(app, "robin@alpha.example")
    assert second_token != first_token
    first, second = rows(app, Invitation, Invitation.email == "robin@alpha.example")
    assert first.revoked_at is not None
    assert second.revoked_at is None
    invitee = new_browser()
    assert invitee.get(f"/invitations/{first_token}").status_code == 410
    assert invitee.get(f"/invitations/{second_token}").status_code == 200
    assert client.get("/clients/alpha/invitations").text.count("<td>robin@alpha.example</td>") == 1


def test_inviting_someone_already_in_the_client_is_refused_on_the_form(app, client, world):
    sign_in_as(client, world, "maker_on_a")
    existing = make_user_with_address(app, world.client_a, "taken@alpha.example")

    response = invite_client_user(client, "alpha", existing.upper())

    assert response.status_code == 409
    assert f"{existing} already has an account." in response.text
    assert 'id="email-error"' in response.text
    assert rows(app, Invitation, Invitation.email == existing) == []
    assert emails_to(app, existing) == []


def test_an_admin_is_told_that_an_address_of_another_client_has_an_account(app, client, world):
    # Admins see every account; people who can't see the other client are answered as for a
    # fresh address (tests/hardening/test_invitation_abuse.py).
    sign_in_as(client, world, "admin")
    existing = make_user_with_address(app, world.client_b, "taken@beta.example")

    response = invite_client_user(client, "alpha", existing)

    assert response.status_code == 409
    assert f"{existing} already has an account." in response.text
    assert rows(app, Invitation, Invitation.email == existing) == []


@pytest.mark.parametrize("address", ["", "not-an-address", "two@@at.example"])
def test_an_invalid_email_address_is_refused(app, client, world, address):
    sign_in_as(client, world, "maker_on_a")
    before = len(rows(app, Invitation))

    response = invite_client_user(client, "alpha", address)

    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert len(rows(app, Invitation)) == before
    assert rows(app, EmailMessage) == []


def test_nobody_can_be_invited_into_an_archived_client(app, client, world):
    archived = make_archived_client(app, "Dormant Ltd")
    sign_in_as(client, world, "admin")

    response = invite_client_user(client, archived.slug, "late@dormant.example")

    assert response.status_code == 422
    assert "Dormant Ltd is archived" in response.text
    assert rows(app, Invitation, Invitation.email == "late@dormant.example") == []


# --- accepting -----------------------------------------------------------------------------


@pytest.fixture
def invited_reviewer(app, client, world):
    """The token of an invitation to Alpha as a client reviewer, sent by the maker."""
    sign_in_as(client, world, "maker_on_a")
    invite_client_user(client, "alpha", "robin@alpha.example")
    client.post("/logout")
    return latest_token_sent_to(app, "robin@alpha.example")


def test_the_invitation_link_shows_the_form_to_join(client, invited_reviewer):
    response = client.get(f"/invitations/{invited_reviewer}")

    assert response.status_code == 200
    assert "Join Alpha on Portal" in response.text
    assert "Maker on A invited <strong>robin@alpha.example</strong>" in response.text
    assert 'name="password"' in response.text and 'name="confirm"' in response.text


def test_accepting_creates_a_client_user_with_the_invited_role(app, client, invited_reviewer):
    response = accept(client, invited_reviewer, name="  Robin Reviewer  ")

    assert response.status_code == 302
    [user] = rows(app, User, User.email == "robin@alpha.example")
    assert user.name == "Robin Reviewer"
    assert user.kind == UserKind.CLIENT
    assert user.role == ClientRole.MEMBER
    [invitation] = rows(app, Invitation, Invitation.email == "robin@alpha.example")
    assert user.client_id == invitation.client_id
    assert invitation.accepted_at is not None


def test_accepting_signs_the_new_user_in_to_their_client(client, invited_reviewer):
    accept(client, invited_reviewer)

    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/clients/alpha"
    page = client.get("/clients/alpha", follow_redirects=True)
    assert page.status_code == 200
    assert "Welcome to Portal, Robin Reviewer." in page.text


def test_the_new_user_can_sign_in_with_the_chosen_password(new_browser, client, invited_reviewer):
    accept(client, invited_reviewer)

    response = new_browser().post(
        "/login", data={"email": "robin@alpha.example", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302


def test_accepting_a_client_invitation_records_a_client_visible_member_joined_event(
    app, client, invited_reviewer, world
):
    accept(client, invited_reviewer)

    [user] = rows(app, User, User.email == "robin@alpha.example")
    [event] = rows(app, Event, Event.verb == "member_joined")
    assert event.client_id == world.client_a.id
    assert event.client_visible is True
    assert (event.actor_id, event.subject_type, event.subject_id) == (user.id, "users", user.id)
    assert event.data == {"name": "Robin Reviewer"}


def test_the_invitation_link_works_only_once(app, client, new_browser, invited_reviewer):
    accept(client, invited_reviewer)

    again = new_browser()
    assert again.get(f"/invitations/{invited_reviewer}").status_code == 410
    assert accept(again, invited_reviewer, name="Someone Else").status_code == 410
    assert len(rows(app, User, User.email == "robin@alpha.example")) == 1


def test_a_short_password_is_refused_and_the_invitation_stays_usable(app, client, invited_reviewer):
    response = accept(client, invited_reviewer, password="too short")

    assert response.status_code == 422
    assert "Use at least 10 characters." in response.text
    assert rows(app, User, User.email == "robin@alpha.example") == []
    assert client.get(f"/invitations/{invited_reviewer}").status_code == 200
    assert accept(client, invited_reviewer).status_code == 302


def test_a_blank_name_is_refused_on_the_name_field(app, client, invited_reviewer):
    response = accept(client, invited_reviewer, name="   ")

    assert response.status_code == 422
    assert '<p class="field-error" id="name-error">Tell us your name.</p>' in response.text
    assert 'id="password-error"' not in response.text
    assert rows(app, User, User.email == "robin@alpha.example") == []


def test_passwords_that_do_not_match_are_refused(app, client, invited_reviewer):
    response = accept(client, invited_reviewer, confirm=NEW_PASSWORD + "!")

    assert response.status_code == 422
    assert "The two passwords don&#39;t match." in response.text
    assert rows(app, User, User.email == "robin@alpha.example") == []


def test_an_expired_invitation_is_gone(app, client, world):
    with app.app_context():
        make_invitation(
            "expired-token",
            client=world.client_a,
            role=ClientRole.MEMBER,
            email="late@alpha.example",
            expires_in=-timedelta(minutes=1),
        )

    assert client.get("/invitations/expired-token").status_code == 410
    assert accept(client, "expired-token").status_code == 410
    assert rows(app, User, User.email == "late@alpha.example") == []


def test_an_invitation_to_an_address_that_has_since_got_an_account_cannot_be_accepted(
    app, client, world, invited_reviewer
):
    make_user_with_address(app, world.client_b, "robin@alpha.example")

    response = accept(client, invited_reviewer)

    assert response.status_code == 409
    assert "robin@alpha.example already has an account." in response.text
    [user] = rows(app, User, User.email == "robin@alpha.example")
    assert user.client_id == world.client_b.id


def test_an_unknown_token_is_gone(client, world):
    response = client.get("/invitations/no-such-token")

    assert response.status_code == 410
    assert "This invitation has expired or has already been used." in response.text
    assert accept(client, "no-such-token").status_code == 410


def test_an_invitation_into_an_archived_client_is_gone(app, client, world):
    archived = make_archived_client(app, "Dormant Ltd")
    with app.app_context():
        make_invitation("dormant-token", client=archived, role=ClientRole.MEMBER)

    assert client.get("/invitations/dormant-token").status_code == 410


# --- staff invitations ---------------------------------------------------------------------


def test_admin_invites_staff_and_the_invitation_is_listed(app, client, world):
    sign_in_as(client, world, "admin")

    response = invite_staff(client, "sam@agency.example", StaffRole.STRATEGIST)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/staff/invitations"
    [invitation] = rows(app, Invitation, Invitation.email == "sam@agency.example")
    assert (invitation.client_id, invitation.role) == (None, StaffRole.STRATEGIST)
    page = client.get("/admin/staff/invitations").text
    assert "<td>sam@agency.example</td><td>Strategist</td>" in page
    [message] = emails_to(app, "sam@agency.example")
    assert message.subject == "Invitation to join the agency on Portal"


def test_staff_invitations_and_client_invitations_are_listed_apart(client, world):
    sign_in_as(client, world, "admin")
    invite_staff(client, "sam@agency.example")
    invite_client_user(client, "alpha", "robin@alpha.example")

    staff_page = client.get("/admin/staff/invitations").text
    client_page = client.get("/clients/alpha/invitations").text

    assert "<td>sam@agency.example</td>" in staff_page
    assert "<td>robin@alpha.example</td>" not in staff_page
    assert "<td>robin@alpha.example</td>" in client_page
    assert "<td>sam@agency.example</td>" not in client_page


def test_accepting_a_staff_invitation_makes_a_staff_user_with_that_role(
    app, client, new_browser, world
):
    sign_in_as(client, world, "admin")
    invite_staff(client, "sam@agency.example", StaffRole.STRATEGIST)
    invitee = new_browser()

    response = accept(
        invitee, latest_token_sent_to(app, "sam@agency.example"), name="Sam Strategist"
    )

    assert response.status_code == 302
    [user] = rows(app, User, User.email == "sam@agency.example")
    assert (user.kind, user.role, user.client_id) == (UserKind.STAFF, StaffRole.STRATEGIST, None)
    home = invitee.get("/")
    assert home.status_code == 200
    assert "The clients you serve" in home.text
    [event] = rows(app, Event, Event.verb == "member_joined")
    assert (event.client_id, event.client_visible) == (None, False)


def test_staff_invitation_for_an_existing_address_is_refused(app, client, world):
    sign_in_as(client, world, "admin")
    existing = make_user_with_address(app, None, "taken@agency.example")

    response = invite_staff(client, existing)

    assert response.status_code == 409
    assert f"{existing} already has an account." in response.text
    assert emails_to(app, existing) == []
