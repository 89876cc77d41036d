"""Pins on the draft page: numbered once, drawn from light rows, each linked to its comment."""

import re

import pytest

from portal.drafts import pages
from portal.models import DraftKind
from portal.threads import services as thread_services
from tests.drafts.helpers import comment_ids, draft_thread, text_of
from tests.factories import make_comment
from tests.review import make_draft_in_review


@pytest.fixture
def image_draft(app, account):
    """The designer's image draft "Label", its version 1 up for review."""
    with app.app_context():
        return make_draft_in_review(account, DraftKind.IMAGE, title="Label")


def add_pins(app, draft, *authors, **fields) -> list[int]:
    """One pin comment by each of ``authors`` on the current version; their ids."""
    thread = draft_thread(app, draft)
    with app.app_context():
        return [
            make_comment(
                thread, author, f"Pin {n}.", anchor={"type": "point", "x": 0.1 * n, "y": 0.5},
                **fields,
            ).id
            for n, author in enumerate(authors, start=1)
        ]  # fmt: skip


def pins_drawn(html: str) -> list[tuple[str, str, str]]:
    """(link, number, author) of each pin on the image, in page order."""
    return re.findall(r'<a href="([^"]*)" aria-label="Pin (\d+), by ([^"]*)">', html)


def test_pins_are_numbered_oldest_first_and_link_to_their_comments(
    app, account, image_draft, reviewer
):
    first, second = add_pins(app, image_draft, account.reviewer, account.designer)
    html = text_of(reviewer.get(account.draft_url(image_draft)))
    assert pins_drawn(html) == [
        (f"#comment-{first}", "1", "Hannah Client"),
        (f"#comment-{second}", "2", "Mateo Maker"),
    ]
    assert re.search(rf'id="comment-{second}".*?Pin 2</span> on the image', html, flags=re.S)


def test_a_staff_only_pin_is_neither_drawn_nor_counted_for_the_client(
    app, account, image_draft, reviewer, designer
):
    (first,) = add_pins(app, image_draft, account.reviewer)
    (note,) = add_pins(app, image_draft, account.designer, internal=True)
    (third,) = add_pins(app, image_draft, account.second_reviewer)
    seen_by_client = pins_drawn(text_of(reviewer.get(account.draft_url(image_draft))))
    assert [(link, number) for link, number, _ in seen_by_client] == [
        (f"#comment-{first}", "1"),
        (f"#comment-{third}", "2"),
    ]
    seen_by_staff = pins_drawn(text_of(designer.get(account.draft_url(image_draft))))
    assert [link for link, _, _ in seen_by_staff] == [f"#comment-{i}" for i in (first, note, third)]


def test_a_pin_whose_comment_is_further_back_opens_the_thread_there(
    app, account, image_draft, reviewer, monkeypatch
):
    monkeypatch.setattr(thread_services, "PAGE_SIZE", 2)
    ids = add_pins(app, image_draft, *[account.reviewer, account.designer] * 2)
    url = account.draft_url(image_draft)
    html = text_of(reviewer.get(url))
    assert comment_ids(html) == ids[2:]
    links = [link for link, _, _ in pins_drawn(html)]
    assert links[:2] == [f"{url}?comment={i}#comment-{i}" for i in ids[:2]]
    assert links[2:] == [f"#comment-{i}" for i in ids[2:]]

    html = text_of(reviewer.get(links[0]))
    assert comment_ids(html) == ids[:1]
    assert re.search(rf'id="comment-{ids[0]}".*?Pin 1</span> on the image', html, flags=re.S)
    assert f'<a href="{url}">Show the newest comments</a>' in html
    assert pins_drawn(html)[0] == (f"#comment-{ids[0]}", "1", "Hannah Client")


def test_past_the_cap_the_newest_pins_up_to_the_comments_shown_are_drawn(
    app, account, image_draft, reviewer, monkeypatch
):
    monkeypatch.setattr(pages, "MAX_MARKERS", 2)
    monkeypatch.setattr(thread_services, "PAGE_SIZE", 1)
    ids = add_pins(app, image_draft, *[account.reviewer] * 5)
    url = account.draft_url(image_draft)
    newest = pins_drawn(text_of(reviewer.get(url)))
    assert [number for _, number, _ in newest] == ["4", "5"]
    up_to_the_third = pins_drawn(text_of(reviewer.get(f"{url}?comment={ids[2]}")))
    assert up_to_the_third == [
        (f"{url}?comment={ids[1]}#comment-{ids[1]}", "2", "Hannah Client"),
        (f"#comment-{ids[2]}", "3", "Hannah Client"),
    ]
