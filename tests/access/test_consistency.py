"""The guardian check runs in the whole suite, and catches a list scope that drifts."""

from sqlalchemy import false, select

from portal import access
from portal.models import Comment
from tests.factories import sign_in


def test_every_single_row_check_is_watched_while_the_suite_runs(client, world, guardian):
    sign_in(client, world.person("maker_on_a"))
    before = guardian.checked

    response = client.get(f"/clients/alpha/comments/{world.staff_note_a.id}/edit")

    assert response.status_code == 200
    assert guardian.checked > before
    assert hasattr(access.get_comment_or_404, "__wrapped__")


def test_a_scope_that_lets_clients_see_staff_notes_is_caught(client, world, guardian, monkeypatch):
    def without_the_staff_only_rule(user, client=None, thread=None):
        return select(Comment).where(Comment.client_id == client.id)

    monkeypatch.setattr(access, "visible_comments", without_the_staff_only_rule)
    sign_in(client, world.person("client_member_a"))

    response = client.get(f"/clients/alpha/comments/{world.staff_note_a.id}/edit")

    assert response.status_code == 404
    (disagreement,) = guardian.take()
    assert f"hid Comment {world.staff_note_a.id}" in disagreement
    assert "visible_comments lists it" in disagreement


def test_a_scope_that_leaves_out_rows_a_person_may_read_is_caught(
    client, world, guardian, monkeypatch
):
    monkeypatch.setattr(
        access,
        "visible_comments",
        lambda user, client=None, thread=None: select(Comment).where(false()),
    )
    sign_in(client, world.person("client_member_a"))

    response = client.get(f"/clients/alpha/comments/{world.client_comment_a.id}/edit")

    assert response.status_code == 200
    disagreements = guardian.take()
    assert any(
        f"gave Comment {world.client_comment_a.id}" in d and "does not list it" in d
        for d in disagreements
    )
