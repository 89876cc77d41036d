"""The account the review tests work in, and browsers signed in as its people.

Northwind (slug ``northwind``) is reviewed by Hannah, its client admin, and Omar; Dana writes
its copy, Mateo makes its artwork and Ada manages the account, on the project "Spring launch".
Southwind, with its client Sid and its own copywriter Sam, is there to be kept apart.
Handles come from the e-mail addresses: ``@dana``, ``@hannah``, ``@mateo``.
"""

from dataclasses import dataclass

import pytest

from portal.models import ClientRole, Draft, DraftKind, StaffRole, Thread
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_draft,
    make_project,
    make_staff,
    make_thread,
    make_version,
    sign_in,
)


@dataclass
class Account:
    """Northwind, its two reviewers, its team of three and its project; Southwind apart."""

    client: object
    reviewer: object  # Hannah, the client admin
    second_reviewer: object  # Omar, a client member
    writer: object  # Dana, copywriter
    designer: object  # Mateo, creative
    manager: object  # Ada, the account manager
    project: object
    other_client: object
    other_reviewer: object
    other_staff: object

    @property
    def base(self) -> str:
        return f"/clients/{self.client.slug}"

    def draft_url(self, draft, suffix: str = "") -> str:
        return f"{self.base}/drafts/{draft.id}{suffix}"

    def thread_url(self, thread, suffix: str = "") -> str:
        return f"{self.base}/threads/{thread.id}{suffix}"

    def comment_url(self, comment, action: str) -> str:
        return f"{self.base}/comments/{comment.id}/{action}"

    def version_url(self, version, what: str) -> str:
        return f"{self.base}/versions/{version.id}/{what}"


def build_account(app) -> Account:
    """Northwind with two reviewers and a team of three, and Southwind with its own people."""
    with app.app_context():
        client = make_client("Northwind", slug="northwind")
        writer = make_staff(StaffRole.COPYWRITER, name="Dana Writer", email="dana@agency.test")
        designer = make_staff(StaffRole.CREATIVE, name="Mateo Maker", email="mateo@agency.test")
        manager = make_staff(StaffRole.ACCOUNT_MANAGER, name="Ada Lead", email="ada@agency.test")
        for person in (writer, designer):
            assign(client, person)
        assign(client, manager, account_manager=True)
        other_client = make_client("Southwind", slug="southwind")
        other_staff = make_staff(StaffRole.COPYWRITER, name="Sam South", email="sam@agency.test")
        assign(other_client, other_staff)
        return Account(
            client=client,
            reviewer=make_client_user(
                client, ClientRole.ADMIN, name="Hannah Client", email="hannah@northwind.test"
            ),
            second_reviewer=make_client_user(
                client, ClientRole.MEMBER, name="Omar Client", email="omar@northwind.test"
            ),
            writer=writer,
            designer=designer,
            manager=manager,
            project=make_project(client, name="Spring launch"),
            other_client=other_client,
            other_reviewer=make_client_user(
                other_client, ClientRole.ADMIN, name="Sid Southern", email="sid@southwind.test"
            ),
            other_staff=other_staff,
        )


def make_draft_in_review(
    account: Account, kind=DraftKind.COPY, *, body=None, image=None, **fields
) -> Draft:
    """A draft of ``kind`` on the project with version 1 up for the client's decision.

    Copy is by the writer, anything else by the designer; ``body`` or ``image`` is the
    version's content, ``fields`` the draft's (``title=…``). Call inside an app context.
    """
    maker = account.writer if kind == DraftKind.COPY else account.designer
    draft = make_draft(account.project, maker, kind, **fields)
    make_version(draft, maker, body=body, image=image)
    return draft


def browser_for(new_browser, user):
    """A fresh test client signed in as ``user``."""
    browser = new_browser()
    sign_in(browser, user)
    return browser


@pytest.fixture
def account(app) -> Account:
    """Northwind, its reviewers and team, and Southwind apart (see ``build_account``)."""
    return build_account(app)


@pytest.fixture
def draft_in_review(app, account) -> Draft:
    """The writer's copy draft "Homepage intro", its version 1 waiting for Northwind."""
    with app.app_context():
        return make_draft_in_review(
            account, title="Homepage intro", body="Roasted in small batches in Leeds."
        )


@pytest.fixture
def thread(app, account) -> Thread:
    """A project thread the reviewer opened: "Launch date", asking "When do we launch?"."""
    with app.app_context():
        return make_thread(
            account.client,
            account.reviewer,
            project=account.project,
            title="Launch date",
            body="When do we launch?",
        )


@pytest.fixture
def reviewer(new_browser, account):
    """A browser signed in as Hannah, Northwind's client admin."""
    return browser_for(new_browser, account.reviewer)


@pytest.fixture
def writer(new_browser, account):
    """A browser signed in as Dana, the copywriter on Northwind."""
    return browser_for(new_browser, account.writer)


@pytest.fixture
def designer(new_browser, account):
    """A browser signed in as Mateo, the creative on Northwind."""
    return browser_for(new_browser, account.designer)
