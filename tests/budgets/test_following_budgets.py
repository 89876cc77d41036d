"""Posting costs the same for 1 person as for 10: mentioned people and the people a
conversation asks follow the thread in one select and one insert, not a few queries each."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Mention, StaffRole, Subscription, Thread
from tests.factories import assign, make_staff, sign_in
from tests.queries import count_statements, describe

TEAM = 21


@pytest.fixture
def big_team(app, account) -> list:
    """Extra copywriters on Northwind's team, ``@helper0`` … ``@helper20``."""
    with app.app_context():
        helpers = []
        for n in range(TEAM):
            helper = make_staff(StaffRole.COPYWRITER, email=f"helper{n}@agency.test")
            assign(account.client, helper)
            helpers.append(helper)
        return helpers


def statements_to_post(app, client, account, thread, people) -> list[str]:
    """The statements one comment mentioning ``people`` issues."""
    body = "Over to " + " ".join(f"@{person.handle}" for person in people)
    with count_statements(app) as statements:
        response = client.post(account.thread_url(thread, "/comments"), data={"body": body})
    assert response.status_code == 302
    return statements


def followers(app, thread_id, people) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(
                Subscription.thread_id == thread_id,
                Subscription.user_id.in_([person.id for person in people]),
            )
        )


def test_a_comment_mentioning_10_people_costs_what_one_mentioning_1_does(
    app, client, account, thread, big_team
):
    sign_in(client, account.reviewer)
    statements_to_post(app, client, account, thread, big_team[:1])  # warm-up
    one = statements_to_post(app, client, account, thread, big_team[1:2])
    ten = statements_to_post(app, client, account, thread, big_team[2:12])
    assert len(one) == len(ten), describe(ten)

    assert followers(app, thread.id, big_team[:12]) == 12
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mention)) == 12


def statements_to_ask(app, client, account, people, title) -> tuple[list[str], int]:
    """The statements one new conversation asking ``people`` issues, and its thread's id."""
    data = {"title": title, "body": "Can you help?", "role": "", "people": [p.id for p in people]}
    with count_statements(app) as statements:
        response = client.post(f"{account.base}/conversations/new", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.title == title))
    return statements, thread_id


def test_a_conversation_asking_10_people_costs_what_one_asking_1_does(
    app, client, account, big_team
):
    sign_in(client, account.reviewer)
    statements_to_ask(app, client, account, big_team[:1], "Warm-up")
    one, _ = statements_to_ask(app, client, account, big_team[1:2], "One")
    ten, thread_id = statements_to_ask(app, client, account, big_team[2:12], "Ten")
    assert len(one) == len(ten), describe(ten)

    assert followers(app, thread_id, big_team[2:12]) == 10
