"""Pages that list rows issue the same number of SQL statements however many rows there are."""

import pytest

from portal.models import ClientRole, StaffRole
from tests.factories import assign, make_client, make_client_user, make_project, make_staff, sign_in
from tests.queries import describe, statements_for


@pytest.fixture
def bramble(app):
    with app.app_context():
        return make_client("Bramble", slug="bramble")


def add_projects(app, client, how_many):
    with app.app_context():
        for _ in range(how_many):
            make_project(client)


def add_team(app, client, how_many):
    with app.app_context():
        for _ in range(how_many):
            assign(client, make_staff(StaffRole.CREATIVE))


def add_served_clients(app, staff, how_many):
    """``how_many`` new clients, each with ``staff`` on its team and a project."""
    with app.app_context():
        for _ in range(how_many):
            served = make_client()
            assign(served, staff)
            make_project(served)


@pytest.mark.parametrize("viewer", ["client user", "account manager"])
def test_client_home_query_count_does_not_grow_with_projects_or_team(app, client, bramble, viewer):
    with app.app_context():
        manager = make_staff(StaffRole.ACCOUNT_MANAGER)
        assign(bramble, manager, account_manager=True)
        reviewer = make_client_user(bramble, ClientRole.MEMBER)
    sign_in(client, reviewer if viewer == "client user" else manager)
    add_projects(app, bramble, 2)
    add_team(app, bramble, 1)

    few = statements_for(app, client, "/clients/bramble")
    add_projects(app, bramble, 28)
    add_team(app, bramble, 28)
    many = statements_for(app, client, "/clients/bramble")

    assert few, "the counter saw no statements"
    assert len(many) == len(few), describe(many)


@pytest.mark.parametrize("role", [StaffRole.COPYWRITER, StaffRole.ADMIN])
def test_staff_home_query_count_does_not_grow_with_clients(app, client, role):
    with app.app_context():
        staff = make_staff(role)
    sign_in(client, staff)
    add_served_clients(app, staff, 2)

    few = statements_for(app, client, "/")
    add_served_clients(app, staff, 28)
    many = statements_for(app, client, "/")

    assert few, "the counter saw no statements"
    assert len(many) == len(few), describe(many)
