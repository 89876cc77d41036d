"""A client's home, its projects, and the staff home that lists the clients one serves."""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ClientRole, Project, StaffRole
from tests.factories import assign, make_client, make_client_user, make_project, make_staff, sign_in

# --- helpers -------------------------------------------------------------------------------


def rows(app, model, *where):
    """Every row of ``model`` matching ``where``, read in a fresh app context."""
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        return session.scalars(select(model).where(*where).order_by(model.id)).all()


def team_cards(html: str) -> dict[str, str]:
    """``{name: the HTML of their card}`` for every member in the account team list."""
    cards = re.findall(r'<li class="team-member">(.*?)</li>', html, flags=re.S)
    return {re.search(r'<p class="team-name">(.*?)</p>', card).group(1): card for card in cards}


def signed_in(browser, user):
    sign_in(browser, user)
    return browser


@dataclass
class Agency:
    """Bramble (with two projects and a team of two) and Thistle (which nobody else sees)."""

    bramble: object
    thistle: object
    lead: object
    writer: object
    thistle_designer: object
    bramble_reviewer: object
    bramble_admin: object
    admin: object
    launch: object


@pytest.fixture
def agency(app):
    with app.app_context():
        bramble = make_client("Bramble", slug="bramble")
        thistle = make_client("Thistle", slug="thistle")
        lead = make_staff(StaffRole.ACCOUNT_MANAGER, name="Ada Lead")
        writer = make_staff(StaffRole.COPYWRITER, name="Grace Writer")
        thistle_designer = make_staff(StaffRole.CREATIVE, name="Tom Thistle-Designer")
        assign(bramble, lead, account_manager=True, responsibility="Your first call for anything")
        assign(bramble, writer, responsibility="Writes the newsletters")
        assign(thistle, thistle_designer, responsibility="Draws the Thistle logo")
        launch = make_project(bramble, name="Spring launch", due_date=date(2026, 4, 1))
        make_project(bramble, name="Autumn newsletter")
        make_project(thistle, name="Thistle secret rebrand")
        return Agency(
            bramble=bramble,
            thistle=thistle,
            lead=lead,
            writer=writer,
            thistle_designer=thistle_designer,
            bramble_reviewer=make_client_user(bramble, ClientRole.MEMBER),
            bramble_admin=make_client_user(bramble, ClientRole.ADMIN),
            admin=make_staff(StaffRole.ADMIN, name="Agency admin"),
            launch=launch,
        )


def new_project(browser, slug, **fields):
    data = {"name": "Summer campaign", "brief": "", "goals": "", "due_date": ""} | fields
    return browser.post(f"/clients/{slug}/projects/new", data=data)


# --- the client home -----------------------------------------------------------------------


def test_client_home_shows_the_clients_projects(client, agency):
    page = signed_in(client, agency.bramble_reviewer).get("/clients/bramble")

    assert page.status_code == 200
    assert f'href="/clients/bramble/projects/{agency.launch.id}">Spring launch</a>' in page.text
    assert "Autumn newsletter" in page.text
    assert '<time datetime="2026-04-01">1 April 2026</time>' in page.text


def test_client_home_shows_the_account_team_with_roles_and_responsibilities(client, agency):
    page = signed_in(client, agency.bramble_reviewer).get("/clients/bramble").text

    assert "Your account team" in page
    cards = team_cards(page)
    assert list(cards) == ["Ada Lead", "Grace Writer"]
    assert '<span class="badge badge-lead">Account manager</span>' in cards["Ada Lead"]
    assert "Your first call for anything" in cards["Ada Lead"]
    assert "Account manager" not in cards["Grace Writer"]
    assert '<p class="team-role">Copywriter</p>' in cards["Grace Writer"]
    assert "Writes the newsletters" in cards["Grace Writer"]
    assert f'href="mailto:{agency.writer.email}"' in cards["Grace Writer"]


def test_client_home_shows_nothing_of_another_client(client, agency):
    browser = signed_in(client, agency.bramble_reviewer)

    page = browser.get("/clients/bramble").text

    for secret in ("Thistle", "Tom Thistle-Designer", "Draws the Thistle logo", "secret rebrand"):
        assert secret not in page
    assert browser.get("/clients/thistle").status_code == 404


def test_deactivated_staff_leave_the_team_list(app, client, agency):
    with app.app_context():
        writer = db.session.get(type(agency.writer), agency.writer.id)
        writer.active = False
        db.session.commit()

    page = signed_in(client, agency.bramble_reviewer).get("/clients/bramble").text

    assert list(team_cards(page)) == ["Ada Lead"]


def test_client_users_see_no_new_project_button(client, agency):
    for user in (agency.bramble_reviewer, agency.bramble_admin):
        page = signed_in(client, user).get("/clients/bramble").text
        assert "New project" not in page
        assert "/projects/new" not in page


def test_the_team_sees_the_new_project_button(client, agency):
    page = signed_in(client, agency.writer).get("/clients/bramble").text

    assert '<a class="button" href="/clients/bramble/projects/new">New project</a>' in page


def test_client_users_see_no_edit_button_on_a_project(client, agency):
    url = f"/clients/bramble/projects/{agency.launch.id}"

    assert "Edit project" not in signed_in(client, agency.bramble_admin).get(url).text
    assert "Edit project" in signed_in(client, agency.writer).get(url).text


# --- the staff home ------------------------------------------------------------------------


def test_staff_home_lists_only_the_clients_one_serves(client, agency):
    page = signed_in(client, agency.writer).get("/").text

    assert "The clients you serve" in page
    assert 'href="/clients/bramble">Bramble</a>' in page
    assert "/clients/thistle" not in page
    assert "2 live projects" in page
    assert "Writes the newsletters" in page


def test_staff_home_marks_the_clients_one_leads(app, client, agency):
    with app.app_context():
        services = make_staff(StaffRole.CLIENT_SERVICES, name="Cal Services")
        assign(make_client("Oakleaf"), services, account_manager=True, responsibility="Day to day")

    page = signed_in(client, services).get("/").text

    assert '<span class="badge badge-lead">Account manager</span> Day to day' in page


def test_an_account_managers_home_is_the_health_of_their_accounts(client, agency):
    response = signed_in(client, agency.lead).get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/health"


def test_staff_on_no_team_see_an_empty_home(app, client, agency):
    with app.app_context():
        loner = make_staff(StaffRole.STRATEGIST)

    page = signed_in(client, loner).get("/").text

    assert "You aren't on any client's account team yet." in page
    assert "/clients/bramble" not in page


def test_admins_see_every_client_on_their_home(client, agency):
    page = signed_in(client, agency.admin).get("/").text

    assert "Every client" in page
    assert 'href="/clients/bramble">Bramble</a>' in page
    assert 'href="/clients/thistle">Thistle</a>' in page
    assert "1 live project<" in page


# --- projects ------------------------------------------------------------------------------


def test_a_maker_creates_a_project_that_shows_on_the_client_home(app, client, agency):
    browser = signed_in(client, agency.writer)

    response = new_project(
        browser,
        "bramble",
        name="Summer campaign",
        brief="Sell more jam.",
        goals="Double the list.",
        due_date="2026-12-31",
    )

    [project] = rows(app, Project, Project.name == "Summer campaign")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/bramble/projects/{project.id}"
    assert project.client_id == agency.bramble.id
    assert (project.brief, project.goals) == ("Sell more jam.", "Double the list.")
    assert project.due_date == date(2026, 12, 31)
    assert project.created_by_id == agency.writer.id
    home = browser.get("/clients/bramble").text
    assert f'href="/clients/bramble/projects/{project.id}">Summer campaign</a>' in home
    assert '<time datetime="2026-12-31">31 December 2026</time>' in home


def test_the_client_sees_a_new_project_too(client, new_browser, agency):
    new_project(signed_in(client, agency.writer), "bramble", name="Summer campaign")

    page = signed_in(new_browser(), agency.bramble_reviewer).get("/clients/bramble").text

    assert "Summer campaign" in page


@pytest.mark.parametrize(
    ("name", "message"), [("", "This field is required."), ("   ", "Give the project a name.")]
)
def test_a_project_needs_a_name(app, client, agency, name, message):
    before = len(rows(app, Project))

    response = new_project(signed_in(client, agency.writer), "bramble", name=name)

    assert response.status_code == 422
    assert f'<p class="field-error" id="name-error">{message}</p>' in response.text
    assert len(rows(app, Project)) == before


def test_a_bad_due_date_is_refused(app, client, agency):
    response = new_project(signed_in(client, agency.writer), "bramble", due_date="31/12/2026")

    assert response.status_code == 422
    assert rows(app, Project, Project.name == "Summer campaign") == []


def test_editing_a_project_changes_it(app, client, agency):
    browser = signed_in(client, agency.writer)
    url = f"/clients/bramble/projects/{agency.launch.id}"

    form = browser.get(url + "/edit")
    response = browser.post(
        url + "/edit",
        data={"name": "Spring relaunch", "brief": "New brief.", "goals": "", "due_date": ""},
    )

    assert 'value="Spring launch"' in form.text
    assert response.status_code == 302
    assert response.headers["Location"] == url
    [project] = rows(app, Project, Project.id == agency.launch.id)
    assert (project.name, project.brief, project.due_date) == (
        "Spring relaunch",
        "New brief.",
        None,
    )
    page = browser.get(url).text
    assert "<h1>Spring relaunch</h1>" in page
    assert "<p>New brief.</p>" in page


def test_a_project_of_another_client_cannot_be_edited_through_this_one(app, client, agency):
    with app.app_context():
        thistle_project = make_project(agency.thistle, name="Thistle thing")
    browser = signed_in(client, agency.admin)

    response = browser.post(
        f"/clients/bramble/projects/{thistle_project.id}/edit", data={"name": "Hijacked"}
    )

    assert response.status_code == 404
    assert rows(app, Project, Project.name == "Hijacked") == []


def test_the_brief_is_shown_as_escaped_paragraphs(app, client, agency):
    brief = "First paragraph.\n\n<script>alert(1)</script>\nsecond line <b>bold</b>"
    with app.app_context():
        project = make_project(agency.bramble, name="Risky", brief=brief)
    browser = signed_in(client, agency.bramble_reviewer)

    page = browser.get(f"/clients/bramble/projects/{project.id}").text
    home = browser.get("/clients/bramble").text

    assert "<p>First paragraph.</p>" in page
    assert (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>second line &lt;b&gt;bold&lt;/b&gt;</p>"
        in page
    )
    for html in (page, home):
        assert "<script>alert(1)" not in html
        assert "<b>bold</b>" not in html
