"""Template filters and macros: times in each reader's own zone, navigation and htmx forms."""

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask_login import login_user
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import ClientRole, Comment, EmailMessage, StaffRole, User
from portal.notifications.services import send_notifications
from tests.factories import (
    assign,
    make_client,
    make_client_user,
    make_comment,
    make_staff,
    make_thread,
    sign_in,
)

WINTER = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 3, 14, 5, tzinfo=UTC)


@pytest.fixture
def two_zones(app):
    """A London copywriter and a New York client reviewer in one thread, with one reply."""
    with app.app_context():
        client = make_client("Northwind", slug="northwind")
        reviewer = make_client_user(
            client, ClientRole.MEMBER, email="owen@northwind.test", timezone="America/New_York"
        )
        writer = make_staff(
            StaffRole.COPYWRITER, email="dana@agency.test", name="Dana", timezone="Europe/London"
        )
        assign(client, writer)
        thread = make_thread(client, reviewer, title="Launch", body="When do we launch?")
        reply = make_comment(thread, writer, "@owen we launch on the 4th.")
        return SimpleNamespace(reviewer=reviewer, writer=writer, thread=thread, reply=reply)


def posted_at(app, comment, moment) -> None:
    """Backdate ``comment`` to ``moment``."""
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == comment.id).values(created_at=moment)
        )
        db.session.commit()


def render(app, source: str, **context) -> str:
    return app.jinja_env.from_string(source).render(**context)


@pytest.mark.parametrize(
    ("moment", "in_london", "in_new_york"),
    [
        (WINTER, "3 Dec 2026, 14:05 GMT", "3 Dec 2026, 09:05 EST"),
        (SUMMER, "3 Jul 2026, 15:05 BST", "3 Jul 2026, 10:05 EDT"),
    ],
)
def test_staff_and_client_see_a_comment_time_on_their_own_clocks(
    app, client, two_zones, moment, in_london, in_new_york
):
    posted_at(app, two_zones.reply, moment)
    url = f"/clients/northwind/threads/{two_zones.thread.id}"
    utc_attribute = f'datetime="{moment.isoformat()}"'

    sign_in(client, two_zones.writer)
    staff_page = client.get(url).text
    sign_in(client, two_zones.reviewer)
    client_page = client.get(url).text

    assert f'{utc_attribute} title="{in_london}"' in staff_page
    assert f'{utc_attribute} title="{in_new_york}"' in client_page
    assert in_new_york not in staff_page and in_london not in client_page


def test_an_email_shows_times_in_the_recipients_zone_not_the_signed_in_users(app, two_zones):
    posted_at(app, two_zones.reply, WINTER)
    with app.test_request_context():
        # Someone in London is signed in while the e-mail to New York is written.
        login_user(db.session.get(User, two_zones.writer.id))
        send_notifications(two_zones.reviewer.id, now=datetime(2026, 12, 4, tzinfo=UTC))
        db.session.commit()
        (message,) = db.session.scalars(select(EmailMessage)).all()

    assert message.to_address == "owen@northwind.test"
    assert "3 Dec 2026, 09:05 EST" in message.text_body
    assert "3 Dec 2026, 09:05 EST" in message.html_body
    assert "GMT" not in message.text_body + message.html_body


def test_an_email_to_an_address_without_an_account_shows_utc(app, two_zones):
    with app.test_request_context():
        login_user(db.session.get(User, two_zones.writer.id))
        text = render(app, "{{ moment|localtime }}", moment=SUMMER, recipient=None)
    assert text == "3 Jul 2026, 14:05 UTC"


def test_local_dates_follow_the_readers_zone_and_calendar_dates_do_not_move(app):
    late_evening_in_new_york = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    new_yorker = SimpleNamespace(timezone="America/New_York")
    with app.app_context():
        shown = render(
            app,
            "{{ moment|localdate(person) }} / {{ moment|localdate(person, style='long') }}"
            " / {{ due|calendardate }} / {{ due|calendardate('short') }} / {{ moment|utc_iso }}",
            moment=late_evening_in_new_york,
            person=new_yorker,
            due=date(2026, 12, 3),
        )
    assert shown == (
        "2 Dec 2026 / 2 December 2026 / 3 December 2026 / 3 Dec / 2026-12-03T02:30:00+00:00"
    )


def test_an_unknown_zone_falls_back_to_utc(app):
    with app.app_context():
        shown = render(
            app,
            "{{ moment|localtime(person) }}",
            moment=WINTER,
            person=SimpleNamespace(timezone="Mars/Base"),
        )
    assert shown == "3 Dec 2026, 14:05 UTC"


def test_breadcrumbs_mark_the_last_item_as_the_current_page(app):
    source = (
        '{% from "_macros/navigation.html" import breadcrumbs %}'
        "{{ breadcrumbs([('Northwind', '/clients/northwind'), ('Launch', None)]) }}"
    )
    with app.test_request_context():
        html = render(app, source)
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in html
    assert '<a href="/clients/northwind">Northwind</a>' in html
    assert '<span aria-current="page">Launch</span>' in html
    assert html.count("aria-current") == 1


def test_pagination_keeps_the_other_query_arguments(app):
    pager = SimpleNamespace(page=2, pages=3, has_prev=True, has_next=True, prev_num=1, next_num=3)
    source = (
        '{% from "_macros/navigation.html" import pagination %}'
        "{{ pagination(pager, 'admin.outbox', **overrides) }}"
    )
    with app.test_request_context("/admin/outbox?status=failed&page=2"):
        kept = render(app, source, pager=pager, overrides={})
        dropped = render(app, source, pager=pager, overrides={"status": None})

    assert '<nav class="pagination" aria-label="Pagination">' in kept
    assert '<a href="/admin/outbox?status=failed&amp;page=1" rel="prev">Previous</a>' in kept
    assert '<a href="/admin/outbox?status=failed&amp;page=3" rel="next">Next</a>' in kept
    assert "Page 2 of 3" in kept
    assert '<a href="/admin/outbox?page=3" rel="next">Next</a>' in dropped


def test_one_page_draws_no_pagination(app):
    pager = SimpleNamespace(page=1, pages=1, has_prev=False, has_next=False)
    source = (
        '{% from "_macros/navigation.html" import pagination %}'
        '{{ pagination(pager, "admin.outbox") }}'
    )
    with app.test_request_context("/admin/outbox"):
        assert "<nav" not in render(app, source, pager=pager)


def test_an_htmx_form_writes_its_url_once_and_posts_without_javascript_too(app):
    source = (
        '{% from "_macros/forms.html" import htmx_form %}'
        '{% call htmx_form("/things/1/resolve", target="#thing-1", class="inline-form") %}'
        '<button type="submit">Resolve</button>{% endcall %}'
    )
    with app.test_request_context():
        html = render(app, source)
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'method="post"' in form
    assert 'action="/things/1/resolve"' in form and 'hx-post="/things/1/resolve"' in form
    assert 'hx-target="#thing-1"' in form and 'hx-swap="outerHTML"' in form
    assert 'class="inline-form"' in form
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', html)
    assert '<button type="submit">Resolve</button>' in html
