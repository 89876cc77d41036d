"""Reviewing a draft: its status and whose move it is, decisions, the feedback checklist."""

import re

import pytest

from portal.drafts import services as draft_services
from portal.errors import Conflict
from portal.models import Comment, Decision, FeedbackItem, FeedbackStatus, Version
from tests.drafts.helpers import (
    HTMX,
    at_the_same_time,
    comment_fields,
    count,
    decide,
    draft_thread,
    rows,
    text_of,
)
from tests.factories import make_comment, make_draft, make_version
from tests.review import browser_for

COPY_V1 = "Roasted in small batches in Leeds. Every bag names the farm it came from."


def draft_state(html: str) -> tuple[str, str | None]:
    """(the status badge, whose move it is or None) as the draft page shows them."""
    status = re.search(r'<span class="badge status-\w+">(.*?)</span>', html).group(1)
    move = re.search(r'<span class="whose-move">(.*?) · waiting', html)
    return status, move.group(1) if move else None


def decision_log(html: str) -> list[str]:
    """The entries of the decision log, newest first, as plain text."""
    log = re.search(r'<details class="card decision-log">(.*?)</details>', html, flags=re.S)
    assert log, "the page has no decision log"
    items = re.findall(r"<li>(.*?)</li>", log.group(1), flags=re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def decision_form(html: str) -> str | None:
    """The decision form's HTML, if the page offers one."""
    match = re.search(r'<form[^>]*action="[^"]*/decision"[^>]*>.*?</form>', html, flags=re.S)
    return match.group(0) if match else None


@pytest.fixture
def copy_draft(app, account):
    """A copy draft made by the writer, with no version yet."""
    with app.app_context():
        return make_draft(account.project, account.writer, title="Homepage intro")


def state_seen_by(browser, account, draft):
    response = browser.get(account.draft_url(draft))
    assert response.status_code == 200
    return draft_state(text_of(response))


def post_version(browser, account, draft, body, **fields):
    return browser.post(
        account.draft_url(draft, "/versions/new"), data={"body": body, "note": "", **fields}
    )


# --- status and whose move -----------------------------------------------------------------


def test_status_and_whose_move_follow_the_review_loop(account, copy_draft, writer, reviewer):
    assert state_seen_by(writer, account, copy_draft) == ("In progress", "Maker to revise")

    assert post_version(writer, account, copy_draft, COPY_V1).status_code == 302
    assert state_seen_by(reviewer, account, copy_draft) == ("In review", "Client to decide")

    response = decide(reviewer, account, copy_draft, "changes_requested", "Name the farm.")
    assert response.status_code == 302
    assert state_seen_by(writer, account, copy_draft) == ("Changes requested", "Maker to revise")

    assert (
        post_version(writer, account, copy_draft, COPY_V1 + " Farm: Finca Alta.").status_code == 302
    )
    assert state_seen_by(reviewer, account, copy_draft) == ("In review", "Client to decide")

    assert decide(reviewer, account, copy_draft, "approved").status_code == 302
    assert state_seen_by(writer, account, copy_draft) == ("Approved", None)


@pytest.fixture
def client_question(app, account, copy_draft, reviewer):
    """Version 1 shared, and the reviewer asking "Is Leeds right?"; the draft's thread."""
    with app.app_context():
        make_version(copy_draft, account.writer, body=COPY_V1)
    thread = draft_thread(app, copy_draft)
    reviewer.post(account.thread_url(thread, "/comments"), data=comment_fields("Is Leeds right?"))
    return thread


def test_an_unanswered_client_comment_makes_it_the_staffs_move_until_staff_answer(
    account, copy_draft, client_question, writer
):
    assert state_seen_by(writer, account, copy_draft) == ("In review", "Staff to answer")

    writer.post(
        account.thread_url(client_question, "/comments"),
        data=comment_fields("Yes, the roastery."),
    )
    assert state_seen_by(writer, account, copy_draft) == ("In review", "Client to decide")


def test_a_staff_only_note_is_not_an_answer_to_the_client(
    account, copy_draft, client_question, writer
):
    writer.post(
        account.thread_url(client_question, "/comments"),
        data=comment_fields("Checking with the roaster first.", internal="y"),
    )
    assert state_seen_by(writer, account, copy_draft) == ("In review", "Staff to answer")


# --- decisions -----------------------------------------------------------------------------


def test_deciding_again_supersedes_the_reviewers_earlier_decision_and_the_log_keeps_both(
    app, account, copy_draft, reviewer
):
    with app.app_context():
        version = make_version(copy_draft, account.writer, body=COPY_V1)
    assert decide(reviewer, account, copy_draft, "approved").status_code == 302
    response = decide(reviewer, account, copy_draft, "changes_requested", "Shorter, please.")
    assert response.status_code == 302

    decisions = rows(app, Decision, Decision.version_id == version.id)
    assert [(d.verdict, d.superseded_at is None) for d in decisions] == [
        ("approved", False),
        ("changes_requested", True),
    ]
    html = text_of(reviewer.get(account.draft_url(copy_draft)))
    assert draft_state(html)[0] == "Changes requested"
    newest, older = decision_log(html)
    assert "Hannah Client — requested changes on v1" in newest
    assert "later changed" not in newest
    assert "Hannah Client — approved v1" in older
    assert "(later changed)" in older


def test_each_reviewer_keeps_their_own_current_decision(app, account, copy_draft, new_browser):
    with app.app_context():
        version = make_version(copy_draft, account.writer, body=COPY_V1)
    decide(browser_for(new_browser, account.reviewer), account, copy_draft, "approved")
    decide(browser_for(new_browser, account.second_reviewer), account, copy_draft, "approved")

    current = rows(
        app, Decision, Decision.version_id == version.id, Decision.superseded_at.is_(None)
    )
    assert {d.user_id for d in current} == {account.reviewer.id, account.second_reviewer.id}


def test_the_service_refuses_a_decision_on_a_superseded_version(app, account, copy_draft):
    with app.app_context():
        first = make_version(copy_draft, account.writer, body=COPY_V1)
        make_version(copy_draft, account.writer, body=COPY_V1 + " Now with farms.")
        with pytest.raises(Conflict) as refused:
            draft_services.record_decision(account.reviewer, first, "approved", "")
    assert refused.value.status_code == 409
    assert count(app, Decision) == 0


def test_an_old_version_is_read_only_and_offers_no_decision_form(
    app, account, copy_draft, reviewer
):
    with app.app_context():
        make_version(copy_draft, account.writer, body=COPY_V1)
        make_version(copy_draft, account.writer, body=COPY_V1 + " Now with farms.")

    html = text_of(reviewer.get(account.draft_url(copy_draft) + "?v=1"))
    assert "This is version 1, superseded by version 2. It is read-only" in html
    assert "This is an older version; decide on the newest one." in html
    assert decision_form(html) is None
    assert decision_form(text_of(reviewer.get(account.draft_url(copy_draft)))) is not None


def test_a_decision_sent_from_a_page_that_a_newer_version_has_overtaken_is_refused(
    app, account, copy_draft, reviewer
):
    """The reviewer reads v1 and decides; meanwhile v2 arrived. The decision must not land
    on v2, which they have never seen."""
    with app.app_context():
        make_version(copy_draft, account.writer, body=COPY_V1)
    form = decision_form(text_of(reviewer.get(account.draft_url(copy_draft))))
    # What the browser sends back: the form's own hidden fields, plus the reviewer's choice.
    fields = {
        name: value
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
        if name != "csrf_token"
    }
    with app.app_context():
        second = make_version(copy_draft, account.writer, body="A completely different text.")

    response = reviewer.post(
        account.draft_url(copy_draft, "/decision"),
        data={**fields, "verdict": "approved", "note": ""},
    )
    assert response.status_code == 409
    assert rows(app, Decision, Decision.version_id == second.id) == []


def test_asking_for_changes_without_a_note_is_refused_and_nothing_is_saved(
    app, account, copy_draft, reviewer
):
    with app.app_context():
        make_version(copy_draft, account.writer, body=COPY_V1)
    response = decide(reviewer, account, copy_draft, "changes_requested", "  ")
    assert response.status_code == 422
    assert "Say what should change, so the team can act on it." in text_of(response)
    assert count(app, Decision) == 0


def test_an_htmx_decision_gets_only_the_decision_panel_back(app, account, copy_draft, reviewer):
    with app.app_context():
        make_version(copy_draft, account.writer, body=COPY_V1)
    response = decide(reviewer, account, copy_draft, "approved", headers=HTMX)
    html = text_of(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="decision-panel"')
    assert "<strong>Hannah Client</strong>: Approved" in html
    assert "Change my decision" in html
    assert count(app, Decision) == 1


# --- the feedback checklist ----------------------------------------------------------------


@pytest.fixture
def commented_draft(app, account, copy_draft):
    """v1 with two client comments on it, a staff answer and a staff-only note."""
    with app.app_context():
        make_version(copy_draft, account.writer, body=COPY_V1)
        thread = draft_services.draft_thread(copy_draft)
        shorter = make_comment(thread, account.reviewer, "Make the first sentence shorter.")
        spelling = make_comment(thread, account.second_reviewer, "Use British spelling throughout.")
        make_comment(thread, account.writer, "On it.")
        make_comment(thread, account.writer, "Spelling is fine already.", internal=True)
    return copy_draft, shorter, spelling


def test_the_new_version_form_lists_the_client_comments_on_the_last_version(
    account, commented_draft, writer
):
    draft, shorter, spelling = commented_draft
    html = text_of(writer.get(account.draft_url(draft, "/versions/new")))
    checklist = re.search(r'<fieldset class="feedback-checklist">.*?</fieldset>', html, re.S)
    assert checklist, "no feedback checklist on the new-version form"
    checklist = checklist.group(0)
    assert "Make the first sentence shorter." in checklist
    assert "Use British spelling throughout." in checklist
    assert f'name="feedback-{shorter.id}" value="addressed"' in checklist
    assert f'name="reason-{spelling.id}"' in checklist
    assert "On it." not in checklist
    assert "Spelling is fine already." not in checklist


def revise_declining_the_spelling_comment(browser, account, commented_draft, reason):
    """Share version 2, marking the "shorter" comment addressed and declining the spelling one
    for ``reason``."""
    draft, shorter, spelling = commented_draft
    return post_version(
        browser,
        account,
        draft,
        "Roasted in Leeds.",
        **{
            f"feedback-{shorter.id}": "addressed",
            f"feedback-{spelling.id}": "declined",
            f"reason-{spelling.id}": reason,
        },
    )


def test_declining_feedback_without_a_reason_saves_no_version(
    app, account, commented_draft, writer
):
    draft, _shorter, _spelling = commented_draft
    response = revise_declining_the_spelling_comment(writer, account, commented_draft, " ")
    assert response.status_code == 422
    assert "Give the client a reason for each comment you decline." in text_of(response)
    assert [v.number for v in rows(app, Version, Version.draft_id == draft.id)] == [1]
    assert count(app, FeedbackItem) == 0
    assert rows(app, Comment, Comment.resolved_at.is_not(None)) == []


def test_the_client_sees_what_the_new_version_did_with_their_feedback(
    app, account, commented_draft, writer, reviewer
):
    draft, shorter, spelling = commented_draft
    reason = "Our brand guide asks for American spelling."
    response = revise_declining_the_spelling_comment(writer, account, commented_draft, reason)
    assert response.status_code == 302

    html = text_of(reviewer.get(account.draft_url(draft)))
    checklist = re.search(
        r'<section class="card" aria-labelledby="checklist-title">.*?</section>', html, re.S
    )
    assert checklist, "the client sees no feedback checklist on version 2"
    checklist = checklist.group(0)
    assert "What we did with your feedback" in checklist
    items = re.findall(r'<li class="feedback-(\w+)">(.*?)</li>', checklist, re.S)
    assert [(status, "shorter" in text) for status, text in items] == [
        ("addressed", True),
        ("declined", False),
    ]
    assert "Addressed" in items[0][1]
    assert "Declined" in items[1][1] and reason in items[1][1]

    stored = {c.id: c for c in rows(app, Comment, Comment.id.in_([shorter.id, spelling.id]))}
    assert stored[shorter.id].resolved_at is not None
    assert stored[spelling.id].resolved_at is not None
    assert {(i.comment_id, i.status) for i in rows(app, FeedbackItem)} == {
        (shorter.id, FeedbackStatus.ADDRESSED),
        (spelling.id, FeedbackStatus.DECLINED),
    }


def test_feedback_left_open_comes_up_again_for_the_next_version(account, commented_draft, writer):
    draft, shorter, spelling = commented_draft
    response = post_version(
        writer, account, draft, "Roasted in Leeds.", **{f"feedback-{shorter.id}": "addressed"}
    )
    assert response.status_code == 302
    checklist = text_of(writer.get(account.draft_url(draft, "/versions/new")))
    assert f'name="feedback-{spelling.id}"' in checklist
    assert f'name="feedback-{shorter.id}"' not in checklist


# --- comparing versions --------------------------------------------------------------------


def test_the_compare_page_marks_a_changed_word(app, account, copy_draft, reviewer):
    with app.app_context():
        make_version(copy_draft, account.writer, body="Roasted in small batches in Leeds.")
        make_version(copy_draft, account.writer, body="Roasted in tiny batches in Leeds.")
    response = reviewer.get(account.draft_url(copy_draft, "/compare?from=1&to=2"))
    html = text_of(response)
    assert response.status_code == 200
    assert "Roasted in <del>small</del><ins>tiny</ins> batches in Leeds." in html


def test_the_compare_page_escapes_the_copy(app, account, copy_draft, reviewer):
    with app.app_context():
        make_version(copy_draft, account.writer, body="Plain text.")
        make_version(copy_draft, account.writer, body="Plain <script>alert(1)</script> text.")
    html = text_of(reviewer.get(account.draft_url(copy_draft, "/compare?from=1&to=2")))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


# --- double submissions --------------------------------------------------------------------


def outcomes(results) -> list:
    """Each response's status code, or the exception a request ended in."""
    return [r if isinstance(r, Exception) else r.status_code for r in results]


def test_a_decision_sent_twice_at_once_leaves_one_current_decision_and_no_error(
    app, account, new_browser
):
    """A double click on "Record my decision" without JavaScript sends two requests at once."""
    for attempt in range(3):
        with app.app_context():
            draft = make_draft(account.project, account.writer, title=f"Tagline {attempt}")
            version = make_version(draft, account.writer, body=COPY_V1)
        tabs = [browser_for(new_browser, account.reviewer) for _ in range(2)]
        results = at_the_same_time(
            *[lambda tab=tab, draft=draft: decide(tab, account, draft, "approved") for tab in tabs]
        )
        assert all(code in (302, 409) for code in outcomes(results)), outcomes(results)
        current = rows(
            app, Decision, Decision.version_id == version.id, Decision.superseded_at.is_(None)
        )
        assert len(current) == 1


def test_a_version_shared_twice_at_once_does_not_fail(app, account, new_browser):
    """A double click on "Share for review" sends two requests at once."""
    for attempt in range(3):
        with app.app_context():
            draft = make_draft(account.project, account.writer, title=f"Tagline {attempt}")
            make_version(draft, account.writer, body=COPY_V1)
        tabs = [browser_for(new_browser, account.writer) for _ in range(2)]
        results = at_the_same_time(
            *[
                lambda tab=tab, draft=draft: post_version(tab, account, draft, "Revised copy.")
                for tab in tabs
            ]
        )
        assert all(code in (302, 409) for code in outcomes(results)), outcomes(results)
        numbers = [v.number for v in rows(app, Version, Version.draft_id == draft.id)]
        assert numbers == list(range(1, len(numbers) + 1))


# --- what people type is shown as text -----------------------------------------------------


def test_notes_reasons_and_titles_are_shown_as_text_on_the_draft_page(app, account, new_browser):
    hostile = '<img src=x onerror="alert(1)">'
    with app.app_context():
        draft = make_draft(account.project, account.writer, title=f"Title {hostile}")
        make_version(draft, account.writer, body=f"Copy {hostile}", note=f"Note {hostile}")
        comment = make_comment(
            draft_services.draft_thread(draft), account.reviewer, "Shorter, please."
        )
    writer, reviewer = (browser_for(new_browser, u) for u in (account.writer, account.reviewer))
    post_version(
        writer,
        account,
        draft,
        "Copy v2.",
        note=f"Note two {hostile}",
        **{f"feedback-{comment.id}": "declined", f"reason-{comment.id}": f"Reason {hostile}"},
    )
    decide(reviewer, account, draft, "changes_requested", f"Decision {hostile}")

    for url in (account.draft_url(draft), account.draft_url(draft, "?v=1")):
        html = text_of(reviewer.get(url))
        assert "<img" not in html
        assert "onerror=&#34;alert(1)&#34;" in html or "onerror=&quot;alert(1)&quot;" in html
