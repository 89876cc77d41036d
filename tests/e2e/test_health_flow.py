"""Relationship health in a real browser: the account manager sees the client at risk first,
answers the comment behind it, recomputes, and the driver is gone."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from portal.extensions import db
from portal.health import scoring
from portal.health.snapshots import snapshot_day, take_snapshots
from portal.models import Band, Client, Comment, HealthSnapshot, Pulse, PulseRating, utcnow
from tests.factories import assign, make_comment, make_thread

REPLY = "Sorry for the wait: we launch on 4 December."
MOBILE, DESKTOP = {"width": 375, "height": 812}, {"width": 1280, "height": 900}


def backdate(model, row_id: int, **moments) -> None:
    """Move ``model`` row ``row_id``'s timestamps into the past (inside an app context)."""
    db.session.execute(update(model).where(model.id == row_id).values(**moments))
    db.session.commit()


@pytest.fixture
def unanswered_question_id(app, account, thread):
    """The id of Hannah's "Launch date" question, unanswered for ten days, which with a Poor
    pulse puts Northwind at risk; Ada also manages Southwind, healthy (Sid's question answered
    at once). Both have two earlier snapshots and today's, taken for real."""
    now = utcnow()
    with app.app_context():
        northwind, southwind = account.client.id, account.other_client.id
        assign(account.other_client, account.manager, account_manager=True)
        southwind_thread = make_thread(
            account.other_client, account.other_reviewer, title="Stock", body="Any news on stock?"
        )
        make_comment(southwind_thread, account.other_staff, "Yes: it lands on Friday. Thanks!")
        for client_id in (northwind, southwind):
            backdate(Client, client_id, created_at=now - timedelta(days=60))
        question = db.session.scalar(select(Comment.id).where(Comment.thread_id == thread.id))
        backdate(Comment, question, created_at=now - timedelta(days=10))
        db.session.add(
            Pulse(client_id=northwind, author_id=account.manager.id, rating=PulseRating.POOR,
                  comment="Hannah is talking to another agency.", created_at=now)
        )  # fmt: skip
        today = snapshot_day(now)
        for days_ago, northwind_score, southwind_score in ((14, 72, 88), (7, 58, 90)):
            for client_id, score in ((northwind, northwind_score), (southwind, southwind_score)):
                db.session.add(
                    HealthSnapshot(client_id=client_id, day=today - timedelta(days=days_ago),
                                   score=score, band=scoring.band_for(score).value)
                )  # fmt: skip
        db.session.commit()
        take_snapshots()
        db.session.commit()
        bands = dict(
            db.session.execute(
                select(HealthSnapshot.client_id, HealthSnapshot.band).where(
                    HealthSnapshot.day == today
                )
            ).all()
        )
    assert bands == {northwind: Band.AT_RISK, southwind: Band.HEALTHY}
    return question


def tab_to(page, target, presses: int = 60) -> None:
    """Press Tab until ``target`` has the keyboard focus; fail after ``presses`` presses."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus by Tab")


def test_the_account_manager_answers_what_puts_a_client_at_risk_and_the_driver_goes(
    app, account, unanswered_question_id, open_browser
):
    page = open_browser(account.manager)
    # Her home is the dashboard.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/health$"))

    rows = page.locator(".health-row")
    expect(rows).to_have_count(2)
    at_risk, healthy = rows.nth(0), rows.nth(1)
    expect(at_risk.get_by_role("heading")).to_have_text("Northwind")
    expect(at_risk.locator(".badge")).to_have_text("At risk")
    expect(at_risk.locator("svg[role=img]")).to_have_attribute(
        "aria-label", re.compile(r"^Score over the last 90 days, from 72 to \d+$")
    )
    expect(at_risk.locator("svg[role=img] polyline")).to_have_attribute(
        "points", re.compile(r"^\S+ \S+ \S+$")
    )
    expect(healthy.get_by_role("heading")).to_have_text("Southwind")
    expect(healthy.locator(".badge")).to_have_text("Healthy")

    page.set_viewport_size(MOBILE)
    expect(rows.first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    page.set_viewport_size(DESKTOP)

    unanswered = at_risk.locator(".driver", has_text="comment from Hannah unanswered")
    answer = unanswered.get_by_role("link", name="→ answer")
    tab_to(page, answer)
    assert answer.evaluate("link => getComputedStyle(link).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        re.compile(rf"/clients/northwind/threads/\d+#comment-{unanswered_question_id}$")
    )
    expect(page.locator(f"#comment-{unanswered_question_id}")).to_contain_text("When do we launch?")

    page.get_by_label("Comment", exact=True).fill(REPLY)
    page.get_by_role("button", name="Post").click()
    expect(page.locator("#comments-list")).to_contain_text(REPLY)

    page.goto("/clients/northwind/health")
    drivers = page.locator("ul.drivers")
    expect(drivers).to_contain_text("comment from Hannah unanswered")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.locator(".flashes")).to_contain_text("Recomputing this client's health")
    expect(drivers).not_to_contain_text("unanswered")
    expect(drivers).to_contain_text("Pulse Poor")
    expect(page.get_by_role("link", name="→ answer")).to_have_count(0)
