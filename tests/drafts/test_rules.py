"""Reviewers and approval rules: who a draft waits for, and when their verdicts approve it.

Northwind's reviewers are Hannah (client admin) and Omar (member); see ``tests.review``.
"""

import re

import pytest

from portal.drafts.reviewers import reviewer_ids
from portal.extensions import db
from portal.models import ApprovalRule, Client, Decision, Draft, User
from tests.drafts.helpers import HTMX, comment_fields, count, decide, draft_thread, rows, text_of
from tests.drafts.test_review import COPY_V1, draft_state
from tests.factories import make_client_user, make_draft, make_version
from tests.review import browser_for


def header(html: str) -> str:
    """The draft page's meta line (status, progress, whose move) as plain text."""
    meta = re.search(r'<p class="draft-meta"[^>]*>(.*?)</p>', html, flags=re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", meta).split())


def panel(html: str) -> str:
    """The decision panel's HTML."""
    match = re.search(r'<section id="decision-panel".*?</section>', html, flags=re.S)
    assert match, "no decision panel"
    return match.group(0)


def people_in_panel(html: str) -> list[str]:
    """Each line of the panel's list of people, as plain text."""
    items = re.findall(r'<li class="decision decision-\w+">(.*?)</li>', panel(html), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


@pytest.fixture
def browsers(new_browser, account):
    """Browsers signed in as Hannah, Omar and Dana (the writer)."""
    return {
        "hannah": browser_for(new_browser, account.reviewer),
        "omar": browser_for(new_browser, account.second_reviewer),
        "dana": browser_for(new_browser, account.writer),
    }


def draft_under(app, account, rule: ApprovalRule, **fields) -> Draft:
    """A copy draft under ``rule`` with version 1 up for review; reviewers: the client's
    people unless ``reviewer_ids`` says otherwise."""
    with app.app_context():
        draft = make_draft(account.project, account.writer, approval_rule=rule, **fields)
        make_version(draft, account.writer, body=COPY_V1)
    return draft


def reviewers_of(app, draft) -> list[int]:
    with app.app_context():
        return reviewer_ids(draft.id)


def status_seen(browser, account, draft) -> str:
    return draft_state(text_of(browser.get(account.draft_url(draft))))[0]


# --- the rules -----------------------------------------------------------------------------


def test_any_one_reviewer_approves_a_draft_by_default(app, account, browsers):
    with app.app_context():
        draft = make_draft(account.project, account.writer)
        make_version(draft, account.writer, body=COPY_V1)
    assert draft.approval_rule == ApprovalRule.ANY
    assert decide(browsers["omar"], account, draft, "approved").status_code == 302
    assert status_seen(browsers["dana"], account, draft) == "Approved"


def test_under_any_one_reviewer_a_request_for_changes_wins(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ANY)
    decide(browsers["hannah"], account, draft, "approved")
    decide(browsers["omar"], account, draft, "changes_requested", "Shorter.")
    assert status_seen(browsers["dana"], account, draft) == "Changes requested"


def test_all_reviewers_is_not_approved_until_every_reviewer_approved(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL)

    decide(browsers["hannah"], account, draft, "approved")
    html = text_of(browsers["dana"].get(account.draft_url(draft)))
    assert draft_state(html) == ("In review", "Client to decide")
    assert "1 of 2 approved" in header(html)
    assert "Approved" not in header(html).replace("1 of 2 approved", "")

    decide(browsers["omar"], account, draft, "approved")
    html = text_of(browsers["dana"].get(account.draft_url(draft)))
    assert draft_state(html) == ("Approved", None)
    assert "of 2 approved" not in header(html)


def test_an_htmx_decision_redraws_the_status_line_out_of_band(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL)
    html = text_of(decide(browsers["hannah"], account, draft, "approved", headers=HTMX))
    assert html.lstrip().startswith('<section id="decision-panel"')
    state = re.search(
        r'<p class="draft-meta" id="draft-state" hx-swap-oob="true">.*?</p>', html, re.S
    )
    assert state, "no status line swapped out of band"
    assert "In review" in state.group(0) and "1 of 2 approved" in state.group(0)


def test_under_all_reviewers_one_request_for_changes_is_enough(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL)
    decide(browsers["hannah"], account, draft, "approved")
    decide(browsers["omar"], account, draft, "changes_requested", "Name the farm.")
    assert draft_state(text_of(browsers["dana"].get(account.draft_url(draft)))) == (
        "Changes requested",
        "Maker to revise",
    )


def test_a_reviewer_changing_their_mind_changes_the_status(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL)
    decide(browsers["hannah"], account, draft, "approved")
    decide(browsers["omar"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"

    decide(browsers["omar"], account, draft, "changes_requested", "On second thought: shorter.")
    assert status_seen(browsers["dana"], account, draft) == "Changes requested"

    decide(browsers["omar"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"
    current = rows(app, Decision, Decision.draft_id == draft.id, Decision.superseded_at.is_(None))
    assert len(current) == 2


def test_the_final_approver_decides_and_overrides_the_others(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.FINAL, final_approver_id=account.reviewer.id)

    decide(browsers["omar"], account, draft, "approved")
    assert draft_state(text_of(browsers["dana"].get(account.draft_url(draft)))) == (
        "In review",
        "Client to decide",
    )
    decide(browsers["omar"], account, draft, "changes_requested", "Not the photo.")
    assert status_seen(browsers["dana"], account, draft) == "In review"

    decide(browsers["hannah"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"

    decide(browsers["hannah"], account, draft, "changes_requested", "Omar is right.")
    assert status_seen(browsers["dana"], account, draft) == "Changes requested"


def test_a_decision_by_someone_not_reviewing_is_shown_but_not_counted(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL, reviewer_ids=[account.reviewer.id])

    decide(browsers["omar"], account, draft, "changes_requested", "Too long.")
    html = text_of(browsers["dana"].get(account.draft_url(draft)))
    assert draft_state(html)[0] == "In review"
    assert people_in_panel(html) == [
        "Hannah Client : Not yet",
        "Omar Client : Changes requested just now (not a reviewer) Too long.",
    ]

    decide(browsers["hannah"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"


def test_a_draft_without_reviewers_follows_any_one_reviewer(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL, reviewer_ids=[])
    decide(browsers["omar"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"


def test_a_deactivated_reviewer_is_not_waited_for(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL)
    with app.app_context():
        db.session.get(User, account.second_reviewer.id).active = False
        db.session.commit()
    decide(browsers["hannah"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"


# --- the decision panel --------------------------------------------------------------------


def test_the_panel_shows_each_reviewer_with_a_dot_a_word_and_a_time(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.FINAL, final_approver_id=account.reviewer.id)
    decide(browsers["omar"], account, draft, "approved")
    html = text_of(browsers["hannah"].get(account.draft_url(draft)))

    assert "Who approves: a final approver" in panel(html)
    assert people_in_panel(html) == [
        "Hannah Client Final approver : Not yet",
        "Omar Client : Approved just now",
    ]
    assert panel(html).count('<span class="dot" aria-hidden="true"></span>') == 2
    assert re.search(r'<li class="decision decision-pending">', panel(html))
    time = r'<time class="muted" datetime="[^"]+" title="[^"]+">just now</time>'
    assert re.search(time, panel(html))


def test_an_older_version_lists_only_who_decided_on_it(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL)
    decide(browsers["hannah"], account, draft, "changes_requested", "Shorter.")
    with app.app_context():
        make_version(draft, account.writer, body="Shorter copy.")
    html = text_of(browsers["dana"].get(account.draft_url(draft) + "?v=1"))
    assert people_in_panel(html) == ["Hannah Client : Changes requested just now Shorter."]


# --- approving while comments are open ------------------------------------------------------


@pytest.fixture
def open_question(app, account, browsers):
    """Under all reviewers, v1 with Omar's question no one at the agency has answered."""
    draft = draft_under(app, account, ApprovalRule.ALL)
    thread = draft_thread(app, draft)
    browsers["omar"].post(account.thread_url(thread, "/comments"), data=comment_fields("Leeds?"))
    return draft


def test_approving_with_open_comments_asks_first_and_keeps_the_note(
    app, account, browsers, open_question
):
    draft = open_question
    response = decide(browsers["hannah"], account, draft, "approved", "Lovely work.")
    html = text_of(response)
    assert response.status_code == 409
    assert "still waiting for an answer from the team. Approve anyway?" in panel(html)
    assert '<input type="hidden" name="confirm" value="1">' in panel(html)
    assert "Lovely work.</textarea>" in panel(html)
    assert "Approve anyway</button>" in panel(html)
    assert count(app, Decision) == 0

    version_id = re.search(r'name="version_id" value="(\d+)"', panel(html)).group(1)
    confirmed = browsers["hannah"].post(
        account.draft_url(draft, "/decision"),
        data={"version_id": version_id, "verdict": "approved", "note": "Lovely work.",
              "confirm": "1"},
    )  # fmt: skip
    assert confirmed.status_code == 302
    assert [(d.verdict, d.note) for d in rows(app, Decision)] == [("approved", "Lovely work.")]


def test_approving_with_open_comments_through_htmx_swaps_in_the_question(
    app, account, browsers, open_question
):
    response = decide(browsers["hannah"], account, open_question, "approved", headers=HTMX)
    html = text_of(response)
    assert response.status_code == 409
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="decision-panel"')
    assert "Approve anyway?" in html and "Approve anyway</button>" in html
    assert count(app, Decision) == 0


def test_asking_for_changes_with_open_comments_needs_no_confirmation(
    app, account, browsers, open_question
):
    response = decide(browsers["hannah"], account, open_question, "changes_requested", "Leeds?")
    assert response.status_code == 302
    assert count(app, Decision) == 1


def test_no_approved_and_staff_to_answer_while_the_rule_is_not_met(
    app, account, browsers, open_question
):
    """One of two reviewers approved (anyway) with a question open: still in review."""
    draft = open_question
    page = text_of(browsers["hannah"].get(account.draft_url(draft)))
    version_id = re.search(r'name="version_id" value="(\d+)"', panel(page)).group(1)
    browsers["hannah"].post(
        account.draft_url(draft, "/decision"),
        data={"version_id": version_id, "verdict": "approved", "note": "", "confirm": "1"},
    )
    html = text_of(browsers["dana"].get(account.draft_url(draft)))
    assert draft_state(html) == ("In review", "Staff to answer")
    assert "Approved" not in header(html)
    assert "1 of 2 approved" in header(html)


# --- choosing reviewers and the rule -------------------------------------------------------


def reviewers_post(browser, account, draft, **fields):
    return browser.post(account.draft_url(draft, "/reviewers"), **fields)


def test_the_team_changes_reviewers_and_rule_and_the_status_follows(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ANY)
    decide(browsers["omar"], account, draft, "approved")
    assert status_seen(browsers["dana"], account, draft) == "Approved"

    response = reviewers_post(
        browsers["dana"],
        account,
        draft,
        data={
            "reviewer_ids": [account.reviewer.id, account.second_reviewer.id],
            "approval_rule": "final",
            "final_approver_id": account.reviewer.id,
        },
    )
    assert response.status_code == 302
    assert status_seen(browsers["dana"], account, draft) == "In review"
    stored = rows(app, Draft, Draft.id == draft.id)[0]
    assert (stored.approval_rule, stored.final_approver_id) == ("final", account.reviewer.id)


def test_the_draft_page_offers_the_reviewers_form_to_the_team_only(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL, reviewer_ids=[account.reviewer.id])
    staff_html = text_of(browsers["dana"].get(account.draft_url(draft)))
    assert f'action="{account.draft_url(draft, "/reviewers")}"' in staff_html
    checked = re.findall(r'<input[^>]*name="reviewer_ids"[^>]*>', staff_html)
    assert len(checked) == 2
    assert sum("checked" in box for box in checked) == 1
    assert re.search(r'<input checked[^>]*value="all"', staff_html)
    client_html = text_of(browsers["hannah"].get(account.draft_url(draft)))
    assert "/reviewers" not in client_html


def test_someone_of_another_client_is_refused_as_reviewer(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ANY)
    for headers in ({}, HTMX):
        response = reviewers_post(
            browsers["dana"],
            account,
            draft,
            data={"reviewer_ids": [account.other_reviewer.id], "approval_rule": "all"},
            headers=headers,
        )
        assert response.status_code == 422
        assert "Reviewers have to be people of this client" in text_of(response)
    assert reviewers_of(app, draft) == sorted([account.reviewer.id, account.second_reviewer.id])
    assert rows(app, Draft, Draft.id == draft.id)[0].approval_rule == "any"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"approval_rule": "final"}, "Name the final approver, one of the reviewers."),
        ({"approval_rule": "final", "final_approver_id": "OMAR"}, "Name the final approver"),
        ({"approval_rule": "most"}, "Choose how the draft gets approved."),
        ({"approval_rule": "all", "reviewer_ids": "not-a-number"}, "Reviewers have to be"),
        ({"approval_rule": "all", "reviewer_ids": ["x", "2147483648", "-1"]}, "Reviewers have"),
    ],
)
def test_the_reviewers_form_refuses_what_cannot_work(app, account, browsers, fields, message):
    draft = draft_under(app, account, ApprovalRule.ANY)
    data = {"reviewer_ids": [account.second_reviewer.id]} | fields
    response = reviewers_post(browsers["dana"], account, draft, data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert rows(app, Draft, Draft.id == draft.id)[0].approval_rule == "any"


def test_the_new_draft_form_offers_the_clients_people_and_rule(app, account, browsers):
    with app.app_context():
        db.session.get(Client, account.client.id).approval_rule = ApprovalRule.ALL
        db.session.commit()
    url = f"{account.base}/projects/{account.project.id}/drafts/new"
    html = text_of(browsers["dana"].get(url))
    boxes = re.findall(r'<input[^>]*name="reviewer_ids"[^>]*>', html)
    assert len(boxes) == 2 and all("checked" in box for box in boxes)
    assert re.search(r'<input checked[^>]*value="all"', html)

    response = browsers["dana"].post(
        url,
        data={"title": "Tagline", "kind": "copy", "maker_id": account.writer.id,
              "reviewer_ids": [account.second_reviewer.id], "approval_rule": "final",
              "final_approver_id": account.second_reviewer.id},
    )  # fmt: skip
    assert response.status_code == 302
    draft = rows(app, Draft, Draft.title == "Tagline")[0]
    assert (draft.approval_rule, draft.final_approver_id) == ("final", account.second_reviewer.id)
    assert reviewers_of(app, draft) == [account.second_reviewer.id]


def test_a_refused_new_draft_keeps_what_was_typed(app, account, browsers):
    url = f"{account.base}/projects/{account.project.id}/drafts/new"
    response = browsers["dana"].post(
        url,
        data={"title": "Tagline we like", "kind": "copy", "maker_id": account.writer.id,
              "reviewer_ids": [account.other_reviewer.id], "approval_rule": "all"},
    )  # fmt: skip
    assert response.status_code == 422
    html = text_of(response)
    assert "Reviewers have to be people of this client" in html
    assert 'value="Tagline we like"' in html
    assert count(app, Draft) == 0


def test_the_team_sets_the_rule_new_drafts_start_with(app, account, browsers):
    home = text_of(browsers["dana"].get(account.base))
    assert 'action="/clients/northwind/approval-rule"' in home
    assert "/approval-rule" not in text_of(browsers["hannah"].get(account.base))

    response = browsers["dana"].post(account.base + "/approval-rule", data={"approval_rule": "all"})
    assert response.status_code == 302
    with app.app_context():
        draft = make_draft(account.project, account.writer)
    assert draft.approval_rule == ApprovalRule.ALL

    saved = browsers["dana"].post(
        account.base + "/approval-rule", data={"approval_rule": "all"}, headers=HTMX
    )
    assert saved.status_code == 200
    assert '<span class="muted" role="status">Saved.</span>' in text_of(saved)
    refused = browsers["dana"].post(
        account.base + "/approval-rule", data={"approval_rule": "most"}, headers=HTMX
    )
    assert refused.status_code == 422
    assert "<html" not in text_of(refused)
    assert rows(app, Client, Client.id == account.client.id)[0].approval_rule == "all"


def test_a_new_client_user_is_not_made_reviewer_of_drafts_already_made(app, account):
    draft = draft_under(app, account, ApprovalRule.ALL)
    with app.app_context():
        make_client_user(account.client, name="Newcomer")
    assert len(reviewers_of(app, draft)) == 2


def test_a_garbled_reviewer_beside_a_real_one_is_refused_not_an_error(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ANY)
    response = reviewers_post(
        browsers["dana"],
        account,
        draft,
        data={"reviewer_ids": ["x", account.second_reviewer.id], "approval_rule": "all"},
    )
    assert response.status_code == 422
    assert "Reviewers have to be people of this client" in text_of(response)


def test_the_project_page_says_how_many_reviewers_approved(app, account, browsers):
    draft = draft_under(app, account, ApprovalRule.ALL, title="Tagline")
    decide(browsers["omar"], account, draft, "approved")
    html = text_of(browsers["dana"].get(f"{account.base}/projects/{account.project.id}"))
    row = re.search(r"<tr>(?:(?!</tr>).)*Tagline.*?</tr>", html, re.S).group(0)
    assert '<span class="muted">1 of 2 approved</span>' in row


# --- what waits on each reviewer -----------------------------------------------------------


def to_decide(browser) -> list[str]:
    """The draft titles in the inbox's "Versions to decide"."""
    html = text_of(browser.get("/inbox"))
    section = re.search(r'<section aria-labelledby="decide-title".*?</section>', html, re.S)
    return re.findall(r'/drafts/\d+">([^<]+)</a>', section.group(0)) if section else []


def test_under_any_one_reviewer_the_first_decision_takes_it_off_every_inbox(app, account, browsers):
    draft_under(app, account, ApprovalRule.ANY, title="Tagline")
    assert to_decide(browsers["hannah"]) == to_decide(browsers["omar"]) == ["Tagline"]
    decide(browsers["hannah"], account, rows(app, Draft, Draft.title == "Tagline")[0], "approved")
    assert to_decide(browsers["hannah"]) == to_decide(browsers["omar"]) == []


def test_under_all_reviewers_the_draft_waits_on_each_one_who_has_not_decided(
    app, account, browsers
):
    draft = draft_under(app, account, ApprovalRule.ALL, title="Tagline")
    decide(browsers["hannah"], account, draft, "approved")
    assert (to_decide(browsers["hannah"]), to_decide(browsers["omar"])) == ([], ["Tagline"])

    other = draft_under(app, account, ApprovalRule.ALL, title="Strapline")
    decide(browsers["hannah"], account, other, "changes_requested", "Shorter.")
    assert "Strapline" not in to_decide(browsers["omar"])


def test_someone_not_reviewing_is_not_asked_under_all_reviewers(app, account, browsers):
    draft_under(app, account, ApprovalRule.ALL, title="Tagline", reviewer_ids=[account.reviewer.id])
    assert (to_decide(browsers["hannah"]), to_decide(browsers["omar"])) == (["Tagline"], [])


def test_under_a_final_approver_the_draft_waits_until_they_decided(app, account, browsers):
    draft = draft_under(
        app, account, ApprovalRule.FINAL, title="Tagline", final_approver_id=account.reviewer.id
    )
    decide(browsers["omar"], account, draft, "changes_requested", "Too long.")
    assert (to_decide(browsers["hannah"]), to_decide(browsers["omar"])) == (["Tagline"], [])
    decide(browsers["hannah"], account, draft, "approved")
    assert to_decide(browsers["hannah"]) == to_decide(browsers["omar"]) == []


def test_changes_asked_by_someone_not_reviewing_leave_it_waiting_on_the_reviewers(
    app, account, browsers
):
    draft_under(app, account, ApprovalRule.ALL, title="Strapline")  # Omar reviews this one
    draft = draft_under(
        app, account, ApprovalRule.ALL, title="Tagline", reviewer_ids=[account.reviewer.id]
    )
    decide(browsers["omar"], account, draft, "changes_requested", "Too long.")
    assert to_decide(browsers["hannah"]) == ["Strapline", "Tagline"]
