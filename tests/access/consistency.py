"""The guardian check: every single-row answer of ``portal.access`` agrees with its list scope.

While the whole suite runs, each ``get_*_or_404`` is watched. When it hands a row to
someone, that row must be in the matching ``visible_*`` select for the same person; when it
answers 404 for a row that does exist, the row must not be in that select. A disagreement
fails the test that caused it, whichever feature the test was about.

The check's own statements carry an execution option that query budgets leave out.
"""

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal import access
from portal.extensions import db
from portal.models import Client, Comment, Draft, Project, Thread, User, Version

CHECK_OPTION = "consistency_check"

# single-client check -> the select of client ids it must agree with
CLIENT_SCOPES = {
    "get_client_or_404": "visible_client_ids",
    "get_health_client_or_404": "health_client_ids",
}
# single-row check -> (model, its list scope in portal.access)
SCOPES = {
    "get_project_or_404": (Project, "visible_projects"),
    "get_draft_or_404": (Draft, "visible_drafts"),
    "get_version_or_404": (Version, "visible_versions"),
    "get_thread_or_404": (Thread, "visible_threads"),
    "get_comment_or_404": (Comment, "visible_comments"),
    "get_person_or_404": (User, "visible_people"),
}


@dataclass
class Guardian:
    """The disagreements seen so far between single-row checks and list scopes."""

    disagreements: list[str] = field(default_factory=list)
    checked: int = 0

    def take(self) -> list[str]:
        """The disagreements recorded since the last call, forgetting them."""
        found, self.disagreements = self.disagreements, []
        return found


GUARDIAN = Guardian()


def _scalar(query):
    return db.session.scalar(query.execution_options(**{CHECK_OPTION: True}))


def _in_scope(scope, model, row_id) -> bool:
    return bool(_scalar(select(scope.where(model.id == row_id).exists())))


def _watch_row_check(name, model, scope_name):
    check = getattr(access, name)

    def watched(user, client, row_id, *args, **kwargs):
        scope = getattr(access, scope_name)(user, client)
        try:
            row = check(user, client, row_id, *args, **kwargs)
        except NotFound:
            exists_here = _scalar(
                select(model.id).where(model.id == row_id, model.client_id == client.id)
            )
            if exists_here is not None and _in_scope(scope, model, row_id):
                GUARDIAN.disagreements.append(
                    f"{name} hid {model.__name__} {row_id} from {user!r}, but {scope_name} lists it"
                )
            raise
        finally:
            GUARDIAN.checked += 1
        if not _in_scope(scope, model, row.id):
            GUARDIAN.disagreements.append(
                f"{name} gave {model.__name__} {row.id} to {user!r}, "
                f"but {scope_name} does not list it"
            )
        return row

    watched.__wrapped__ = check
    return watched


def _watch_client_check(name: str, scope_name: str):
    check = getattr(access, name)

    def watched(user, slug):
        visible = getattr(access, scope_name)(user)
        try:
            client = check(user, slug)
        except NotFound:
            client_id = _scalar(select(Client.id).where(Client.slug == slug))
            if client_id is not None and _scalar(visible.where(Client.id == client_id)):
                GUARDIAN.disagreements.append(
                    f"{name} hid client {slug} from {user!r}, but {scope_name} lists it"
                )
            raise
        if _scalar(visible.where(Client.id == client.id)) is None:
            GUARDIAN.disagreements.append(
                f"{name} gave client {slug} to {user!r}, but {scope_name} does not list it"
            )
        return client

    watched.__wrapped__ = check
    return watched


@pytest.fixture(scope="session", autouse=True)
def _watch_access_checks():
    """Watch every single-row check of ``portal.access`` for the whole session."""
    patch = pytest.MonkeyPatch()
    for name, scope_name in CLIENT_SCOPES.items():
        patch.setattr(access, name, _watch_client_check(name, scope_name))
    for name, (model, scope_name) in SCOPES.items():
        patch.setattr(access, name, _watch_row_check(name, model, scope_name))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _single_rows_agree_with_lists():
    """Fail the test if any single-row check disagreed with its list scope during it."""
    GUARDIAN.take()
    yield
    disagreements = GUARDIAN.take()
    assert not disagreements, "access checks disagree:\n" + "\n".join(disagreements)


@pytest.fixture
def guardian():
    """The recorder of disagreements, for tests of the check itself."""
    return GUARDIAN
