"""A client admin's page of their organisation's people: list, invite, deactivate and undo;
nobody reaches another organisation's people."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ClientRole, StaffRole, User
from tests.factories import assign, make_client, make_client_user, make_staff, sign_in
from tests.queries import describe, statements_for


def active(app, user) -> bool:
    with app.app_context():
        return db.session.scalar(select(User.active).where(User.id == user.id))


@pytest.fixture
def alpha(app):
    """Client Alpha with its admin, a reviewer and a copywriter on its team; client Beta with
    a person of its own."""
    with app.app_context():
        client_a, client_b = make_client("Alpha", slug="alpha"), make_client("Beta", slug="beta")
        maker = make_staff(StaffRole.COPYWRITER, name="Maker Mo")
        assign(client_a, maker)
        return {
            "admin": make_client_user(client_a, ClientRole.ADMIN, name="Alice Admin"),
            "reviewer": make_client_user(client_a, ClientRole.MEMBER, name="Rita Reviewer"),
            "maker": maker,
            "beta": make_client_user(client_b, ClientRole.MEMBER, name="Bert of Beta"),
            "client": client_a,
        }


def browser_of(new_browser, user):
    browser = new_browser()
    sign_in(browser, user)
    return browser


def test_a_client_admin_lists_their_own_people_only(alpha, new_browser):
    page = browser_of(new_browser, alpha["admin"]).get("/clients/alpha/people")

    assert page.status_code == 200
    assert "Alice Admin" in page.text and "Rita Reviewer" in page.text
    assert "Bert of Beta" not in page.text
    assert "Maker Mo" not in page.text, "the agency's staff are not the client's people"


def test_a_client_admin_invites_and_sees_the_invitation_pending(alpha, new_browser):
    browser = browser_of(new_browser, alpha["admin"])
    assert 'href="/clients/alpha/invitations"' in browser.get("/clients/alpha/people").text

    response = browser.post(
        "/clients/alpha/invitations", data={"email": "new@alpha.test", "role": "client_member"}
    )

    assert response.status_code == 302
    assert "new@alpha.test" in browser.get("/clients/alpha/people").text


def test_a_client_admin_deactivates_a_colleague_and_can_undo_it(app, alpha, new_browser):
    browser = browser_of(new_browser, alpha["admin"])
    url = f"/clients/alpha/people/{alpha['reviewer'].id}/deactivate"
    assert f'action="{url}?page=1"' in browser.get("/clients/alpha/people").text

    response = browser.post(url)

    assert response.status_code == 302
    assert not active(app, alpha["reviewer"])
    page = browser.get(response.headers["Location"]).text
    assert "Rita Reviewer is deactivated and signed out everywhere." in page
    undo = re.search(r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]*csrf[^>]*>\s*'
                     r'<button type="submit" class="button-link">Undo</button>', page)  # fmt: skip
    assert undo, "the notice offers an Undo"
    assert browser.post(undo.group(1).replace("&amp;", "&")).status_code == 302
    assert active(app, alpha["reviewer"])


def test_the_deactivate_button_asks_for_confirmation(alpha, new_browser):
    page = browser_of(new_browser, alpha["admin"]).get("/clients/alpha/people").text

    assert 'data-confirm="Deactivate Rita Reviewer?' in page


def test_a_client_admin_cannot_deactivate_themself(app, alpha, new_browser):
    browser = browser_of(new_browser, alpha["admin"])

    response = browser.post(f"/clients/alpha/people/{alpha['admin'].id}/deactivate")

    assert response.status_code == 422
    assert "You can&#39;t deactivate your own account." in response.text
    assert active(app, alpha["admin"])


@pytest.mark.parametrize("other", ["beta", "maker"])
def test_another_organisations_person_or_staff_is_not_found(app, alpha, new_browser, other):
    browser = browser_of(new_browser, alpha["admin"])

    for action in ("deactivate", "reactivate"):
        response = browser.post(f"/clients/alpha/people/{alpha[other].id}/{action}")
        assert response.status_code == 404
    assert active(app, alpha[other])


def test_another_client_is_not_found(alpha, new_browser):
    browser = browser_of(new_browser, alpha["beta"])

    assert browser.get("/clients/alpha/people").status_code == 404
    assert (
        browser.post(f"/clients/alpha/people/{alpha['reviewer'].id}/deactivate").status_code == 404
    )


def test_a_reviewer_may_not_manage_people(app, alpha, new_browser):
    browser = browser_of(new_browser, alpha["reviewer"])

    assert browser.get("/clients/alpha/people").status_code == 403
    assert browser.post(f"/clients/alpha/people/{alpha['admin'].id}/deactivate").status_code == 403
    assert active(app, alpha["admin"])


def test_the_team_sees_the_people_but_leaves_deactivation_to_the_client(app, alpha, new_browser):
    browser = browser_of(new_browser, alpha["maker"])

    page = browser.get("/clients/alpha/people")

    assert page.status_code == 200 and "Rita Reviewer" in page.text
    assert "Deactivate" not in page.text
    assert (
        browser.post(f"/clients/alpha/people/{alpha['reviewer'].id}/deactivate").status_code == 403
    )


def test_the_client_home_links_to_the_people_page(alpha, new_browser):
    home = browser_of(new_browser, alpha["admin"]).get("/clients/alpha").text

    assert 'href="/clients/alpha/people"' in home


def test_the_people_page_issues_as_many_statements_for_sixty_people_as_for_three(
    app, alpha, new_browser
):
    browser = browser_of(new_browser, alpha["admin"])
    few = statements_for(app, browser, "/clients/alpha/people")
    with app.app_context():
        for n in range(60):
            make_client_user(alpha["client"], name=f"Person {n:02d}")

    many = statements_for(app, browser, "/clients/alpha/people")

    assert len(many) == len(few), describe(many)
    assert "Page 1 of 2" in browser.get("/clients/alpha/people").text
