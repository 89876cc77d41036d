"""New invitees choose their time zone as they accept: the browser's own by default (set by
portal.js), else the agency's; an unknown zone is refused and nothing typed is lost."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AgencySettings, ClientRole, Invitation, User
from tests.factories import make_client, make_invitation, persist
from tests.invitations.test_invitations import NEW_PASSWORD

TOKEN = "time-zone-invitation-token"


@pytest.fixture
def invitation(app):
    with app.app_context():
        return make_invitation(
            TOKEN, client=make_client("Alpha"), role=ClientRole.MEMBER, email="tz@alpha.test"
        )


def accept(browser, **fields):
    data = {"name": "Tess Zone", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | fields
    return browser.post(f"/invitations/{TOKEN}", data=data)


def user_with(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def selected_zone(page: str) -> str:
    select_tag = re.search(r'<select[^>]*name="timezone"[^>]*>.*?</select>', page, re.S).group(0)
    return re.search(r'<option selected value="([^"]+)"', select_tag).group(1)


def test_the_form_offers_the_zones_marked_for_the_browser_to_choose(client, invitation):
    page = client.get(f"/invitations/{TOKEN}").text

    select_tag = re.search(r"<select[^>]*timezone[^>]*>", page).group(0)
    assert "data-browser-timezone" in select_tag
    assert 'value="America/New_York"' in page and 'value="Asia/Tokyo"' in page


def test_without_a_browser_zone_the_agency_zone_is_chosen(app, client, invitation):
    assert selected_zone(client.get(f"/invitations/{TOKEN}").text) == "Europe/London"
    with app.app_context():
        persist(AgencySettings(timezone="Europe/Berlin"))

    assert selected_zone(client.get(f"/invitations/{TOKEN}").text) == "Europe/Berlin"


def test_the_chosen_zone_is_the_new_users(app, client, invitation):
    response = accept(client, timezone="America/New_York")

    assert response.status_code == 302
    assert user_with(app, "tz@alpha.test").timezone == "America/New_York"


def test_a_form_sent_without_a_zone_gets_the_agency_zone(app, client, invitation):
    assert accept(client).status_code == 302

    assert user_with(app, "tz@alpha.test").timezone == "Europe/London"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "localtime", "../../etc/passwd"])
def test_an_unknown_zone_is_refused_and_nothing_typed_is_lost(app, client, invitation, zone):
    response = accept(client, name="Tess Zone", timezone=zone)

    assert response.status_code == 422
    assert "isn&#39;t a time zone we know. Choose yours from the list." in response.text
    assert 'value="Tess Zone"' in response.text
    assert "data-browser-timezone" not in response.text, "the browser does not override it"
    assert user_with(app, "tz@alpha.test") is None
    with app.app_context():
        assert db.session.scalar(select(Invitation.accepted_at)) is None
