"""The admins' log of "view as client", and what the mode costs in statements."""

from portal.extensions import db
from portal.models import ClientRole, StaffRole
from tests.factories import assign, make_client, make_client_user, make_staff, sign_in
from tests.queries import describe, statements_for


def signed_in(new_browser, person):
    browser = new_browser()
    sign_in(browser, person)
    return browser


def view_as_and_stop(browser, slug, person, pages=("/inbox",)):
    assert browser.post(f"/clients/{slug}/people/{person.id}/view-as").status_code == 302
    for page in pages:
        assert browser.get(page).status_code == 200
    assert browser.post("/view-as/stop").status_code == 302


def test_admins_read_every_use_newest_first(app, new_browser):
    with app.app_context():
        northwind = make_client("Northwind", slug="northwind")
        jane = make_client_user(northwind, ClientRole.MEMBER, name="Jane Doe")
        maker = make_staff(StaffRole.COPYWRITER, name="Maker Mo")
        assign(northwind, maker)
        admin = make_staff(StaffRole.ADMIN, name="Ada Admin")
    browser = signed_in(new_browser, maker)
    view_as_and_stop(browser, "northwind", jane, pages=("/inbox", "/clients/northwind"))
    assert browser.post(f"/clients/northwind/people/{jane.id}/view-as").status_code == 302
    assert browser.post("/logout").status_code == 302

    page = signed_in(new_browser, admin).get("/admin/view-as")

    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert [("Maker Mo" in row, "Jane Doe of" in row) for row in rows] == [(True, True)] * 4
    assert "Signed out after 0 pages" in rows[0] and "Started" in rows[1]
    assert "Stopped after 2 pages" in rows[2] and "Started" in rows[3]
    assert 'href="/clients/northwind">Northwind</a>' in rows[0]


def test_the_log_issues_as_many_statements_for_forty_uses_as_for_one(app, new_browser):
    with app.app_context():
        admin = make_staff(StaffRole.ADMIN)
        client = make_client("Alpha", slug="alpha")
        people = [make_client_user(client) for _ in range(20)]
    browser, admin_browser = signed_in(new_browser, admin), signed_in(new_browser, admin)
    view_as_and_stop(browser, "alpha", people[0])
    few = statements_for(app, admin_browser, "/admin/view-as")
    for person in people[1:]:
        view_as_and_stop(browser, "alpha", person)

    many = statements_for(app, admin_browser, "/admin/view-as")

    assert len(many) == len(few), describe(many)


def test_a_page_read_as_a_client_costs_a_fixed_few_statements_more(app, new_browser):
    """The mode loads the person read as and asks whether it is still allowed: the same
    statements whatever the page holds, on top of what the client's own request costs."""
    with app.app_context():
        client = make_client("Alpha", slug="alpha")
        member = make_client_user(client)
        maker = make_staff(StaffRole.COPYWRITER)
        assign(client, maker)
        for _ in range(30):
            make_client_user(client)
        db.session.commit()
    own = statements_for(app, signed_in(new_browser, member), "/clients/alpha")
    browser = signed_in(new_browser, maker)
    assert browser.post(f"/clients/alpha/people/{member.id}/view-as").status_code == 302

    viewed_as = statements_for(app, browser, "/clients/alpha")

    assert len(viewed_as) - len(own) <= 3, describe(viewed_as)


def test_the_people_page_with_view_as_buttons_costs_the_same_for_sixty_people(app, new_browser):
    with app.app_context():
        client = make_client("Alpha", slug="alpha")
        maker = make_staff(StaffRole.COPYWRITER)
        assign(client, maker)
        make_client_user(client)
    browser = signed_in(new_browser, maker)
    few = statements_for(app, browser, "/clients/alpha/people")
    with app.app_context():
        for _ in range(60):
            make_client_user(client)

    many = statements_for(app, browser, "/clients/alpha/people")

    assert len(many) == len(few), describe(many)
    assert browser.get("/clients/alpha/people").text.count("/view-as") == 50
