"""Cross-tenant ids on every route (issue 12): a client user of Alpha who puts Beta's ids in
a URL, a query string or a form field learns nothing, not even that the row exists.

Every route of the access matrix (tests/access/test_matrix.py, ROUTES) whose URL names rows
is tried with Beta's rows in their place, under Alpha's slug and under Beta's. Under
/clients/ the answer is 404; where the matrix refuses the person the route outright (403 on
the admin pages, or a member managing people) it is the answer a row that doesn't exist
gets. A handful of forms and queries carry ids in their fields; there Beta's id must be
answered as a missing id is. Beta's rows carry a canary that
no answer may show. tests/threads/test_isolation.py tries a hand-made list of Northwind's
URLs on Southwind's people; this walks the matrix, so a new route is covered by its row.
"""

import dataclasses
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Assignment, ClientRole, DraftKind, User
from tests.access.test_matrix import FORBIDDEN, ROUTES
from tests.drafts.helpers import comment_fields
from tests.factories import (
    make_client_user,
    make_comment,
    make_draft,
    make_thread,
    make_version,
    sign_in,
)
from tests.personas import build_world

CANARY = "SECRET-BETA"
CLIENT_USERS_OF_A = ("client_member_a", "client_admin_a")
MISSING = SimpleNamespace(id=987654321)
ROUTES_NAMING_ROWS = sorted(
    key for key, (url, _) in ROUTES.items() if "{w." in url and "unsubscribe_token" not in url
)


@dataclasses.dataclass
class Tenants:
    """The matrix's world (Alpha's rows), the same world with Beta's rows in their place,
    and one with ids no row has."""

    alpha: object
    beta: object
    missing: object
    beta_rows: dict


@pytest.fixture
def tenants(app) -> Tenants:
    world = build_world(app)
    with app.app_context():
        beta_maker = db.session.get(User, world.person("staff_not_on_a").id)
        beta_client = db.session.get(User, world.person("client_b").id)
        beta_member = make_client_user(world.client_b, ClientRole.MEMBER, name=f"{CANARY} member")
        draft = make_draft(world.project_b, beta_maker, DraftKind.IMAGE, title=f"{CANARY} draft")
        version = make_version(draft, beta_maker, note=f"{CANARY} version note")
        thread = make_thread(
            world.client_b,
            beta_client,
            project=world.project_b,
            title=f"{CANARY} thread",
            body=f"{CANARY} opening",
        )
        comment = make_comment(thread, beta_client, f"{CANARY} comment")
        note = make_comment(thread, beta_maker, f"{CANARY} note", internal=True)
        assignment = db.session.scalar(
            select(Assignment).where(Assignment.client_id == world.client_b.id)
        )
        db.session.expunge_all()
    beta_rows = {
        "project_a": world.project_b,
        "draft_a": draft,
        "version_a": version,
        "thread_a": thread,
        "client_comment_a": comment,
        "staff_note_a": note,
        "assignment_a": assignment,
    }
    beta = dataclasses.replace(
        world, **beta_rows, people={**world.people, "client_member_a": beta_member}
    )
    missing = dataclasses.replace(
        world,
        **dict.fromkeys(beta_rows, MISSING),
        people=dict.fromkeys(world.people, MISSING),
    )
    return Tenants(alpha=world, beta=beta, missing=missing, beta_rows=beta_rows)


@pytest.fixture(params=CLIENT_USERS_OF_A)
def alpha_client(request, new_browser, tenants):
    """(persona, a browser signed in as them): a client user of Alpha, a member then an admin."""
    browser = new_browser()
    sign_in(browser, tenants.alpha.person(request.param))
    return request.param, browser


def answer(browser, method: str, url: str, data=None):
    response = browser.open(url, method=method, data=data or {})
    assert CANARY.encode() not in response.data, f"{method} {url} shows Beta's rows"
    return response.status_code


def test_every_route_that_names_rows_hides_betas(tenants, alpha_client):
    assert len(ROUTES_NAMING_ROWS) > 30, "the matrix's routes with ids in them"
    persona, browser = alpha_client
    wrong = {}
    for endpoint, method in ROUTES_NAMING_ROWS:
        template, outcomes = ROUTES[(endpoint, method)]
        missing = answer(browser, method, template.format(w=tenants.missing))
        beta_url = template.format(w=tenants.beta)
        tries = [(beta_url, missing)]
        if beta_url.startswith("/clients/alpha/"):
            refused_outright = outcomes[persona] == FORBIDDEN
            tries = [(beta_url, missing if refused_outright else 404)]
            tries.append((beta_url.replace("/clients/alpha/", "/clients/beta/", 1), 404))
        for url, expected in tries:
            got = answer(browser, method, url)
            if got != expected:
                wrong[f"{method} {url}"] = f"{got}, expected {expected}"
    assert wrong == {}


def id_fields(alpha, w) -> list[tuple[str, str, str, dict]]:
    """(method, URL, persona, fields): Alpha's forms and queries, on ``alpha``'s rows,
    carrying the ids of ``w``'s."""
    thread = f"/clients/alpha/threads/{alpha.thread_a.id}"
    draft = f"/clients/alpha/drafts/{alpha.draft_a.id}"
    beta_member = w.people["client_member_a"].id
    return [
        ("POST", f"{thread}/comments", "client_member_a",
         comment_fields("Replying.", reply_to=str(w.client_comment_a.id))),
        ("POST", f"{thread}/comments", "client_member_a",
         comment_fields("Replying.", reply_to=str(w.staff_note_a.id))),
        ("POST", f"{draft}/decision", "client_member_a",
         {"version_id": str(w.version_a.id), "verdict": "approved", "note": ""}),
        ("POST", "/clients/alpha/conversations/new", "client_member_a",
         {"title": "Hello", "body": "Hi", "people": str(beta_member)}),
        ("GET", f"{thread}?reply_to={w.client_comment_a.id}", "client_member_a", {}),
        ("GET", f"{thread}/comments?after=0&version={w.version_a.id}", "client_member_a", {}),
        ("GET", f"{thread}/comments/older?before=99999&version={w.version_a.id}",
         "client_member_a", {}),
        ("POST", f"{draft}/reviewers", "maker_on_a",
         {"reviewer_ids": str(beta_member), "approval_rule": "final",
          "final_approver_id": str(beta_member)}),
    ]  # fmt: skip


def test_betas_ids_in_form_fields_and_queries_are_answered_as_missing_ones(
    app, tenants, new_browser
):
    wrong = {}
    for (method, url, persona, fields), (_m, missing_url, _p, missing_fields) in zip(
        id_fields(tenants.alpha, tenants.beta),
        id_fields(tenants.alpha, tenants.missing),
        strict=True,
    ):
        browser = new_browser()
        sign_in(browser, tenants.alpha.person(persona))
        missing = answer(browser, method, missing_url, missing_fields)
        got = answer(browser, method, url, fields)
        if got != missing or (method == "POST" and got < 400):
            wrong[f"{method} {url} {fields}"] = f"{got}, a missing id got {missing}"
    assert wrong == {}
