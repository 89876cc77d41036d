"""The demo shows reviewers at work: a couple of drafts wait for all their reviewers."""

from sqlalchemy import select

from portal.drafts.status import draft_states
from portal.extensions import db
from portal.models import ApprovalRule, Draft
from tests.demo.test_demo_health import demo  # noqa: F401 (the fixture)


def test_two_demo_drafts_wait_for_every_reviewer(app, demo):  # noqa: F811
    with app.app_context():
        drafts = db.session.scalars(
            select(Draft).where(Draft.approval_rule == ApprovalRule.ALL).order_by(Draft.title)
        ).all()
        states = draft_states(drafts)
        progress = [(d.title, states[d.id].progress_label) for d in drafts]
    assert [title for title, _ in progress] == [
        "Impact report: layout proof",
        "Yirgacheffe bag front",
    ]
    assert all(label.startswith("0 of ") for _, label in progress), progress
