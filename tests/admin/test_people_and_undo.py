"""The admin people page by organisation, and the destructive admin actions: each asks for
confirmation and offers an Undo."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Assignment, Client, ClientRole, StaffRole, User
from tests.factories import assign, make_client, make_client_user, make_staff, sign_in
from tests.queries import describe, statements_for

UNDO = re.compile(
    r'<form method="post" action="(?P<url>[^"]+)" class="inline-form">\s*<input[^>]*csrf[^>]*>'
    r'(?P<fields>(?:\s*<input type="hidden" name="[^"]+" value="[^"]*">)*)'
    r'\s*<button type="submit" class="button-link">Undo</button>'
)


@pytest.fixture
def agency(app):
    """An admin, a copywriter on Alpha's team, and a person at each of Alpha and Beta."""
    with app.app_context():
        alpha, beta = make_client("Alpha", slug="alpha"), make_client("Beta", slug="beta")
        copywriter = make_staff(StaffRole.COPYWRITER, name="Cody Copy")
        return {
            "admin": make_staff(StaffRole.ADMIN, name="Ada Admin"),
            "copywriter": copywriter,
            "assignment": assign(alpha, copywriter, responsibility="Writes the headlines"),
            "alpha_person": make_client_user(alpha, ClientRole.MEMBER, name="Alan of Alpha"),
            "beta_person": make_client_user(beta, ClientRole.MEMBER, name="Bea of Beta"),
            "alpha": alpha,
        }


@pytest.fixture
def admin_browser(client, agency):
    sign_in(client, agency["admin"])
    return client


def undo_of(page: str) -> tuple[str, dict]:
    """The Undo form's action and hidden fields on ``page``."""
    match = UNDO.search(page)
    assert match, "no Undo on the page"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', match["fields"]))
    return match["url"].replace("&amp;", "&"), fields


def column(app, model, column, row_id):
    with app.app_context():
        return db.session.scalar(select(column).where(model.id == row_id))


# --- the organisation column and filter ------------------------------------------------------


def test_everyone_is_listed_with_their_organisation(admin_browser):
    page = admin_browser.get("/admin/people").text

    assert re.search(r"Alan of Alpha</td>\s*<td>[^<]+</td>\s*<td><a [^>]*>Alpha</a>", page)
    assert re.search(r"Cody Copy</td>\s*<td>[^<]+</td>\s*<td>The agency</td>", page)


@pytest.mark.parametrize(
    ("organisation", "shown", "hidden"),
    [
        ("alpha", ["Alan of Alpha"], ["Bea of Beta", "Cody Copy"]),
        ("beta", ["Bea of Beta"], ["Alan of Alpha", "Cody Copy"]),
        ("_agency", ["Cody Copy"], ["Alan of Alpha", "Bea of Beta"]),
    ],
)
def test_the_people_page_filters_by_organisation(admin_browser, organisation, shown, hidden):
    page = admin_browser.get(f"/admin/people?organisation={organisation}").text

    assert all(name in page for name in shown)
    assert not any(name in page for name in hidden)
    assert f'value="{organisation}" selected' in page


def test_an_unknown_organisation_is_a_bad_request(admin_browser):
    assert admin_browser.get("/admin/people?organisation=nobody").status_code == 400


def test_the_filtered_people_page_issues_a_fixed_number_of_statements(app, admin_browser, agency):
    few = statements_for(app, admin_browser, "/admin/people?organisation=alpha")
    with app.app_context():
        for n in range(60):
            make_client_user(agency["alpha"], name=f"Alpha person {n:02d}")
            make_client(f"Client {n:02d}")

    many = statements_for(app, admin_browser, "/admin/people?organisation=alpha")

    assert len(many) == len(few), describe(many)
    assert "Page 1 of 2" in admin_browser.get("/admin/people?organisation=alpha").text


def test_an_action_keeps_the_filter_and_the_page(admin_browser, agency):
    person = agency["alpha_person"]

    response = admin_browser.post(f"/admin/people/{person.id}/deactivate?page=1&organisation=alpha")

    assert response.headers["Location"] == "/admin/people?page=1&organisation=alpha"


# --- confirmation and undo -----------------------------------------------------------------


def test_destructive_buttons_ask_for_confirmation(admin_browser):
    people = admin_browser.get("/admin/people").text
    clients = admin_browser.get("/admin/clients").text
    team = admin_browser.get("/admin/clients/alpha/team").text

    assert 'data-confirm="Deactivate Alan of Alpha?' in people
    assert 'data-confirm="Archive Alpha?' in clients
    assert 'data-confirm="Take Cody Copy off the Alpha team?"' in team


def test_deactivating_someone_can_be_undone(app, admin_browser, agency):
    person = agency["alpha_person"]

    response = admin_browser.post(f"/admin/people/{person.id}/deactivate?page=1")
    page = admin_browser.get(response.headers["Location"]).text

    assert "Alan of Alpha is deactivated and signed out everywhere." in page
    assert not column(app, User, User.active, person.id)
    url, fields = undo_of(page)
    assert admin_browser.post(url, data=fields).status_code == 302
    assert column(app, User, User.active, person.id)


def test_archiving_a_client_can_be_undone(app, admin_browser, agency):
    response = admin_browser.post("/admin/clients/alpha/archive")
    page = admin_browser.get(response.headers["Location"]).text

    assert "Alpha is archived." in page
    assert column(app, Client, Client.archived_at, agency["alpha"].id) is not None
    url, fields = undo_of(page)
    assert admin_browser.post(url, data=fields).status_code == 302
    assert column(app, Client, Client.archived_at, agency["alpha"].id) is None


def team_of(app, client) -> dict:
    with app.app_context():
        return dict(
            db.session.execute(
                select(Assignment.user_id, Assignment.responsibility).where(
                    Assignment.client_id == client.id
                )
            ).all()
        )


def test_removing_someone_from_a_team_can_be_undone(app, admin_browser, agency):
    assignment, copywriter = agency["assignment"], agency["copywriter"]

    response = admin_browser.post(f"/admin/clients/alpha/team/{assignment.id}/remove")
    page = admin_browser.get(response.headers["Location"]).text

    assert copywriter.id not in team_of(app, agency["alpha"])
    url, fields = undo_of(page)
    assert fields["user_id"] == str(copywriter.id)
    assert admin_browser.post(url, data=fields).status_code == 302
    assert team_of(app, agency["alpha"]) == {copywriter.id: "Writes the headlines"}


def test_removing_from_a_team_through_htmx_offers_the_undo_in_the_fragment(
    app, admin_browser, agency
):
    response = admin_browser.post(
        f"/admin/clients/alpha/team/{agency['assignment'].id}/remove",
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and "<html" not in response.text
    assert "Cody Copy left the Alpha team." in response.text
    url, fields = undo_of(response.text)
    assert admin_browser.post(url, data=fields).status_code == 302
    assert agency["copywriter"].id in team_of(app, agency["alpha"])


def test_undoing_the_removal_of_the_account_manager_makes_them_account_manager_again(
    app, admin_browser, agency
):
    assignment = agency["assignment"]
    made = admin_browser.post(
        f"/admin/clients/alpha/team/{assignment.id}",
        data={"responsibility": "Writes the headlines", "account_manager": "y"},
    )
    assert made.status_code == 302

    response = admin_browser.post(f"/admin/clients/alpha/team/{assignment.id}/remove")
    url, fields = undo_of(admin_browser.get(response.headers["Location"]).text)
    assert admin_browser.post(url, data=fields).status_code == 302
    with app.app_context():
        managers = db.session.scalars(
            select(Assignment.user_id).where(
                Assignment.client_id == agency["alpha"].id, Assignment.is_account_manager
            )
        ).all()
    assert managers == [agency["copywriter"].id]
