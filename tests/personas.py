"""The people of the access matrix, around client A ("alpha") and client B ("beta")."""

from dataclasses import dataclass

import pytest

from portal.models import ClientRole, DraftKind, StaffRole
from portal.notifications.preferences import unsubscribe_token
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_comment,
    make_draft,
    make_guest,
    make_invitation,
    make_password_reset,
    make_project,
    make_staff,
    make_thread,
    make_version,
    sign_in,
)

PERSONAS = (
    "anonymous",
    "client_member_a",
    "client_admin_a",
    "client_b",
    "staff_not_on_a",
    "maker_on_a",
    "account_manager_a",
    "admin",
    # Has a link to draft_a (and may decide on it), confirmed: a session bound to that draft.
    "guest",
)

INVITATION_TOKEN = "matrix-invitation-token"
RESET_TOKEN = "matrix-reset-token"
GUEST_TOKEN = "matrix-guest-token"


@dataclass
class World:
    """Two clients, a person of every persona, and a row of each kind on client A."""

    client_a: object
    client_b: object
    project_a: object
    project_b: object
    assignment_a: object
    people: dict
    draft_a: object = None
    version_a: object = None
    thread_a: object = None
    client_comment_a: object = None
    staff_note_a: object = None
    unsubscribe_token: str = ""
    guest_grant: object = None

    def person(self, persona):
        return self.people.get(persona)

    def sign_in(self, test_client, persona) -> None:
        """Sign ``test_client`` in as ``persona`` (the guest through their grant)."""
        sign_in(test_client, self.person(persona), self.guest_grant if persona == "guest" else None)


@pytest.fixture
def world(app):
    """The matrix's world: the same for every test that asks for it."""
    return build_world(app)


def build_world(app) -> World:
    """Two clients, a person of every persona, and rows of every kind on client A."""
    with app.app_context():
        client_a = make_client("Alpha", slug="alpha")
        client_b = make_client("Beta", slug="beta")
        maker = make_staff(StaffRole.COPYWRITER, name="Maker on A")
        manager = make_staff(StaffRole.ACCOUNT_MANAGER, name="Account manager of A")
        people = {
            "client_member_a": make_client_user(client_a, ClientRole.MEMBER),
            "client_admin_a": make_client_user(client_a, ClientRole.ADMIN),
            "client_b": make_client_user(client_b, ClientRole.ADMIN),
            "staff_not_on_a": make_staff(StaffRole.COPYWRITER, name="Staff not on A"),
            "maker_on_a": maker,
            "account_manager_a": manager,
            "admin": make_staff(StaffRole.ADMIN, name="Agency admin"),
        }
        assignment_a = assign(client_a, maker)
        assign(client_a, manager, account_manager=True)
        assign(client_b, people["staff_not_on_a"])
        make_invitation(INVITATION_TOKEN, client=client_a, role=ClientRole.MEMBER)
        make_password_reset(RESET_TOKEN, people["client_member_a"])
        project_a = make_project(client_a)
        draft_a = make_draft(project_a, maker, DraftKind.IMAGE)
        version_a = make_version(draft_a, maker)
        thread_a = make_thread(client_a, people["client_member_a"], project=project_a)
        guest_grant = make_guest(draft_a, GUEST_TOKEN, may_decide=True)
        people["guest"] = guest_grant.guest
        return World(
            client_a=client_a,
            client_b=client_b,
            project_a=project_a,
            project_b=make_project(client_b),
            assignment_a=assignment_a,
            people=people,
            draft_a=draft_a,
            version_a=version_a,
            thread_a=thread_a,
            client_comment_a=make_comment(thread_a, people["client_member_a"], "When is it due?"),
            staff_note_a=make_comment(thread_a, maker, "Let's check first.", internal=True),
            unsubscribe_token=unsubscribe_token(people["client_member_a"]),
            guest_grant=guest_grant,
        )
