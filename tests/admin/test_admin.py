"""The admin pages: clients, account teams, archiving, staff roles and the people list."""

import pytest
from sqlalchemy import select

from portal.admin import services as admin_services
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Assignment, Client, ClientRole, StaffRole, User
from tests.factories import assign, make_client_user, make_staff, sign_in

HTMX = {"HX-Request": "true"}


# --- helpers -------------------------------------------------------------------------------


def rows(app, model, *where):
    """Every row of ``model`` matching ``where``, read in a fresh app context."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(select(model).where(*where).order_by(model.id)).all()


def reload(app, row):
    """``row`` as the database has it now."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.get(type(row), row.id)


def team_of(app, client):
    """``{user_id: assignment}`` for ``client``'s account team."""
    return {a.user_id: a for a in rows(app, Assignment, Assignment.client_id == client.id)}


def signed_in(browser, user):
    sign_in(browser, user)
    return browser


def assert_team_fragment(response):
    """An htmx answer: the team editor alone, without the page around it."""
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="team-editor"')


def log_in(browser, user, password):
    return browser.post("/login", data={"email": user.email, "password": password})


@pytest.fixture
def admin_browser(client, world):
    return signed_in(client, world.person("admin"))


# --- clients -------------------------------------------------------------------------------


def test_admin_creates_a_client_and_lands_on_its_team_page(app, admin_browser):
    response = admin_browser.post("/admin/clients", data={"name": "Bramble & Oak"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/clients/bramble-oak/team"
    [client] = rows(app, Client, Client.slug == "bramble-oak")
    assert client.name == "Bramble & Oak"
    team_page = admin_browser.get(response.headers["Location"]).text
    assert "Bramble &amp; Oak account team" in team_page
    assert "Created Bramble &amp; Oak. Now put its account team together." in team_page


def test_a_second_client_of_the_same_name_gets_a_numbered_slug(app, admin_browser):
    admin_browser.post("/admin/clients", data={"name": "Bramble & Oak"})

    response = admin_browser.post("/admin/clients", data={"name": "Bramble & Oak"})

    assert response.headers["Location"] == "/admin/clients/bramble-oak-2/team"
    slugs = [c.slug for c in rows(app, Client, Client.name == "Bramble & Oak")]
    assert slugs == ["bramble-oak", "bramble-oak-2"]


def test_a_long_name_gives_a_short_slug_without_a_dangling_hyphen(app, admin_browser):
    name = "Abernethy " * 4 + "Brewing & Sons"  # the 48th character of its slug is a hyphen

    response = admin_browser.post("/admin/clients", data={"name": name})

    [client] = rows(app, Client, Client.name == name.strip())
    assert response.headers["Location"] == f"/admin/clients/{client.slug}/team"
    assert len(client.slug) <= 48
    assert client.slug.startswith("abernethy-abernethy-")
    assert not client.slug.endswith("-")


@pytest.mark.parametrize(
    ("name", "message"), [("", "This field is required."), ("   ", "Give the client a name.")]
)
def test_a_client_needs_a_name(app, admin_browser, world, name, message):
    response = admin_browser.post("/admin/clients", data={"name": name})

    assert response.status_code == 422
    assert message in response.text
    assert {c.slug for c in rows(app, Client)} == {"alpha", "beta"}


# --- account teams -------------------------------------------------------------------------


def test_admin_adds_staff_to_a_team(app, admin_browser, world):
    with app.app_context():
        newcomer = make_staff(StaffRole.CREATIVE, name="Casey Creative")

    response = admin_browser.post(
        "/admin/clients/alpha/team",
        data={"user_id": newcomer.id, "responsibility": "Designs the spring campaign"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/clients/alpha/team"
    assignment = team_of(app, world.client_a)[newcomer.id]
    assert assignment.responsibility == "Designs the spring campaign"
    assert assignment.is_account_manager is False
    page = admin_browser.get("/admin/clients/alpha/team").text
    assert "Casey Creative joined the Alpha team." in page
    assert 'value="Designs the spring campaign"' in page


def test_someone_already_on_the_team_cannot_be_added_twice(app, admin_browser, world):
    maker = world.person("maker_on_a")

    response = admin_browser.post(
        "/admin/clients/alpha/team", data={"user_id": maker.id, "responsibility": "Again"}
    )

    assert response.status_code == 422
    on_team = rows(
        app, Assignment, Assignment.client_id == world.client_a.id, Assignment.user_id == maker.id
    )
    assert len(on_team) == 1


def test_client_users_cannot_join_an_account_team(app, admin_browser, world):
    outsider = world.person("client_member_a")

    response = admin_browser.post("/admin/clients/alpha/team", data={"user_id": outsider.id})

    assert response.status_code == 422
    assert outsider.id not in team_of(app, world.client_a)


def test_admin_changes_what_a_team_member_does(app, admin_browser, world):
    response = admin_browser.post(
        f"/admin/clients/alpha/team/{world.assignment_a.id}",
        data={"responsibility": "Writes every headline"},
    )

    assert response.status_code == 302
    assert reload(app, world.assignment_a).responsibility == "Writes every headline"


def test_there_is_only_one_account_manager_per_client(app, admin_browser, world):
    maker = world.person("maker_on_a")
    manager = world.person("account_manager_a")
    assert team_of(app, world.client_a)[manager.id].is_account_manager

    response = admin_browser.post(
        f"/admin/clients/alpha/team/{world.assignment_a.id}",
        data={"responsibility": "Leads the account now", "account_manager": "y"},
    )

    assert response.status_code == 302
    team = team_of(app, world.client_a)
    assert team[maker.id].is_account_manager is True
    assert team[maker.id].responsibility == "Leads the account now"
    assert team[manager.id].is_account_manager is False
    assert [a.user_id for a in team.values() if a.is_account_manager] == [maker.id]


def test_account_managers_of_different_clients_do_not_clash(app, admin_browser, world):
    with app.app_context():
        beta_assignment = assign(world.client_b, world.person("maker_on_a"))

    admin_browser.post(
        f"/admin/clients/beta/team/{beta_assignment.id}",
        data={"responsibility": "Leads Beta", "account_manager": "y"},
    )

    manager = world.person("account_manager_a")
    assert team_of(app, world.client_a)[manager.id].is_account_manager is True
    assert reload(app, beta_assignment).is_account_manager is True


def test_admin_removes_staff_from_a_team(app, admin_browser, world):
    maker = world.person("maker_on_a")

    response = admin_browser.post(f"/admin/clients/alpha/team/{world.assignment_a.id}/remove")

    assert response.status_code == 302
    assert maker.id not in team_of(app, world.client_a)
    assert "Maker on A left the Alpha team." in admin_browser.get("/admin/clients/alpha/team").text


def test_an_assignment_of_another_client_is_not_found(app, admin_browser, world):
    response = admin_browser.post(f"/admin/clients/beta/team/{world.assignment_a.id}/remove")

    assert response.status_code == 404
    assert world.person("maker_on_a").id in team_of(app, world.client_a)


def test_htmx_adding_to_a_team_answers_with_the_team_fragment(app, admin_browser, world):
    with app.app_context():
        newcomer = make_staff(StaffRole.STRATEGIST, name="Sasha Strategist")

    response = admin_browser.post(
        "/admin/clients/alpha/team",
        data={"user_id": newcomer.id, "responsibility": "Plans the year"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert_team_fragment(response)
    assert "Sasha Strategist" in response.text
    assert 'value="Plans the year"' in response.text


def test_htmx_updating_an_assignment_answers_with_the_team_fragment(admin_browser, world):
    response = admin_browser.post(
        f"/admin/clients/alpha/team/{world.assignment_a.id}",
        data={"responsibility": "Leads now", "account_manager": "y"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert_team_fragment(response)
    assert 'value="Leads now"' in response.text


def test_htmx_removing_from_a_team_answers_with_the_team_fragment(admin_browser, world):
    response = admin_browser.post(
        f"/admin/clients/alpha/team/{world.assignment_a.id}/remove", headers=HTMX
    )

    assert response.status_code == 200
    assert_team_fragment(response)
    assert f"responsibility-{world.assignment_a.id}" not in response.text


def test_htmx_refusal_answers_with_the_team_fragment_too(admin_browser, world):
    response = admin_browser.post(
        "/admin/clients/alpha/team", data={"user_id": "not-a-number"}, headers=HTMX
    )

    assert response.status_code == 422
    assert_team_fragment(response)


# --- archiving -----------------------------------------------------------------------------


def test_archiving_a_client_hides_it_from_its_team(app, admin_browser, new_browser, world):
    maker = signed_in(new_browser(), world.person("maker_on_a"))
    assert 'href="/clients/alpha"' in maker.get("/").text

    response = admin_browser.post("/admin/clients/alpha/archive")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/clients"
    assert 'href="/clients/alpha"' not in maker.get("/").text
    assert maker.get("/clients/alpha").status_code == 404


def test_client_users_of_an_archived_client_cannot_sign_in(
    app, admin_browser, new_browser, password, world
):
    already_in = signed_in(new_browser(), world.person("client_member_a"))

    admin_browser.post("/admin/clients/alpha/archive")

    assert log_in(new_browser(), world.person("client_admin_a"), password).status_code == 401
    assert already_in.get("/clients/alpha").headers["Location"].startswith("/login")
    assert log_in(new_browser(), world.person("client_b"), password).status_code == 302


def test_admin_still_sees_an_archived_client(admin_browser, world):
    admin_browser.post("/admin/clients/alpha/archive")

    clients_page = admin_browser.get("/admin/clients").text
    assert 'href="/clients/alpha">Alpha</a></td>' in clients_page
    assert 'action="/admin/clients/alpha/restore"' in clients_page
    home = admin_browser.get("/clients/alpha")
    assert home.status_code == 200
    assert '<span class="badge">Archived</span>' in home.text


def test_restoring_a_client_brings_it_back(app, admin_browser, new_browser, password, world):
    admin_browser.post("/admin/clients/alpha/archive")

    response = admin_browser.post("/admin/clients/alpha/restore")

    assert response.status_code == 302
    maker = signed_in(new_browser(), world.person("maker_on_a"))
    assert 'href="/clients/alpha"' in maker.get("/").text
    assert log_in(new_browser(), world.person("client_admin_a"), password).status_code == 302
    assert reload(app, world.client_a).archived_at is None


# --- people --------------------------------------------------------------------------------


def test_admin_changes_a_staff_role(app, admin_browser, world):
    person = world.person("staff_not_on_a")

    response = admin_browser.post(f"/admin/people/{person.id}/role", data={"role": "strategist"})

    assert response.status_code == 302
    assert reload(app, person).role == StaffRole.STRATEGIST
    assert "Staff not on A is now Strategist." in admin_browser.get("/admin/people").text


def test_client_users_have_no_agency_role_to_change(app, admin_browser, world):
    person = world.person("client_admin_a")

    response = admin_browser.post(f"/admin/people/{person.id}/role", data={"role": "admin"})

    assert response.status_code == 422
    assert "Only staff have agency roles." in response.text
    assert reload(app, person).role == ClientRole.ADMIN


def test_the_last_active_admin_cannot_be_demoted(app, admin_browser, world):
    admin = world.person("admin")

    response = admin_browser.post(f"/admin/people/{admin.id}/role", data={"role": "copywriter"})

    assert response.status_code == 422
    assert "The agency needs at least one admin." in response.text
    assert reload(app, admin).role == StaffRole.ADMIN


def test_a_deactivated_admin_does_not_count_as_another_admin(app, admin_browser, world):
    with app.app_context():
        make_staff(StaffRole.ADMIN, name="Former admin", active=False)
    admin = world.person("admin")

    response = admin_browser.post(f"/admin/people/{admin.id}/role", data={"role": "copywriter"})

    assert response.status_code == 422
    assert reload(app, admin).role == StaffRole.ADMIN


def test_an_admin_may_step_down_while_another_admin_remains(app, admin_browser, world):
    with app.app_context():
        make_staff(StaffRole.ADMIN, name="Second admin")
    admin = world.person("admin")

    response = admin_browser.post(f"/admin/people/{admin.id}/role", data={"role": "copywriter"})

    assert response.status_code == 302
    assert reload(app, admin).role == StaffRole.COPYWRITER


def test_the_last_active_admin_cannot_be_deactivated(app, world):
    # Over HTTP the only admin can only reach themself (see the next test); this rule guards
    # any other caller of the service.
    with app.app_context():
        admin = db.session.get(User, world.person("admin").id)
        actor = db.session.get(User, world.person("account_manager_a").id)
        with pytest.raises(InvalidInput, match="at least one active admin"):
            admin_services.set_user_active(actor, admin, False)
        db.session.rollback()
    assert reload(app, world.person("admin")).active is True


def test_an_admin_cannot_deactivate_themself(app, admin_browser, world):
    admin = world.person("admin")

    response = admin_browser.post(f"/admin/people/{admin.id}/deactivate")

    assert response.status_code == 422
    assert "You can&#39;t deactivate your own account." in response.text
    assert reload(app, admin).active is True


def test_deactivating_someone_signs_them_out_and_keeps_them_out(
    app, admin_browser, new_browser, password, world
):
    person = world.person("client_member_a")
    their_browser = signed_in(new_browser(), person)

    response = admin_browser.post(f"/admin/people/{person.id}/deactivate")

    assert response.status_code == 302
    assert reload(app, person).active is False
    assert their_browser.get("/clients/alpha").headers["Location"].startswith("/login")
    assert log_in(new_browser(), person, password).status_code == 401

    admin_browser.post(f"/admin/people/{person.id}/reactivate")

    assert log_in(new_browser(), person, password).status_code == 302


def test_the_people_page_paginates(app, admin_browser, world):
    with app.app_context():
        for n in range(60):
            make_client_user(world.client_b, email=f"reader{n:02}@beta.example")
    emails = {u.email for u in rows(app, User) if not u.is_guest}  # guests: on their drafts
    assert len(emails) > 60

    first = admin_browser.get("/admin/people")
    second = admin_browser.get("/admin/people?page=2")

    assert first.status_code == second.status_code == 200
    assert "Page 1 of 2" in first.text
    assert '<a href="/admin/people?page=2" rel="next">Next</a>' in first.text
    assert "Page 2 of 2" in second.text
    assert '<a href="/admin/people?page=1" rel="prev">Previous</a>' in second.text
    assert 'rel="next"' not in second.text
    on_first = {e for e in emails if f"<td>{e}</td>" in first.text}
    on_second = {e for e in emails if f"<td>{e}</td>" in second.text}
    assert len(on_first) == 50
    assert on_first.isdisjoint(on_second)
    assert on_first | on_second == emails


def test_staff_are_listed_before_client_users(admin_browser, world):
    page = admin_browser.get("/admin/people").text

    assert page.index(world.person("admin").email) < page.index(world.person("client_b").email)
