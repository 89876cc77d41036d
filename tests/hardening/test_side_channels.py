"""A staff-only note leaves no trace a client can read: not the thread's time (issue 12,
defect 9), not a reply to its id."""

import re

from portal.models import Thread
from tests.drafts.helpers import comment_fields, rows, text_of
from tests.factories import make_comment


def last_comment_at(app, thread):
    (stored,) = rows(app, Thread, Thread.id == thread.id)
    return stored.last_comment_at


def test_a_staff_only_note_does_not_move_the_thread_up(app, account, thread, writer):
    before = last_comment_at(app, thread)
    posted = writer.post(
        account.thread_url(thread, "/comments"),
        data=comment_fields("Between us: the launch slips.", internal="y"),
    )
    assert posted.status_code == 302
    assert last_comment_at(app, thread) == before

    writer.post(account.thread_url(thread, "/comments"), data=comment_fields("Early April."))
    assert last_comment_at(app, thread) > before


def test_a_reply_to_a_notes_id_reads_as_a_reply_to_no_comment(app, account, thread, reviewer):
    with app.app_context():
        note = make_comment(thread, account.writer, "Between us.", internal=True)
    to_note = reviewer.post(
        account.thread_url(thread, "/comments"), data=comment_fields("Hi", reply_to=note.id)
    )
    to_nothing = reviewer.post(
        account.thread_url(thread, "/comments"), data=comment_fields("Hi", reply_to=note.id + 99)
    )
    assert to_note.status_code == to_nothing.status_code == 422
    assert field_errors(to_note) == field_errors(to_nothing) != []
    assert "Between us" not in text_of(to_note)


def field_errors(response) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', text_of(response))
