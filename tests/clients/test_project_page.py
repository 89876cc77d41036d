"""A project's page lists its drafts a page at a time."""

import re

from portal.drafts.services import DRAFTS_PER_PAGE
from tests.factories import make_draft


def draft_titles(html: str) -> list[str]:
    return re.findall(r'<td><a href="[^"]*/drafts/\d+">([^<]*)</a>', html)


def test_a_long_project_shows_its_drafts_a_page_at_a_time(app, account, designer):
    with app.app_context():
        for n in range(DRAFTS_PER_PAGE + 5):
            make_draft(account.project, account.designer, title=f"Draft {n:02}")
    url = f"{account.base}/projects/{account.project.id}"

    first = designer.get(url).get_data(as_text=True)
    assert draft_titles(first) == [f"Draft {n:02}" for n in range(DRAFTS_PER_PAGE)]
    assert "Page 1 of 2" in first
    assert f'<a href="{url}?page=2" rel="next">Next</a>' in first

    second = designer.get(f"{url}?page=2").get_data(as_text=True)
    assert draft_titles(second) == [
        f"Draft {n:02}" for n in range(DRAFTS_PER_PAGE, DRAFTS_PER_PAGE + 5)
    ]
    assert f'<a href="{url}?page=1" rel="prev">Previous</a>' in second


def test_a_page_past_the_last_says_so(app, account, designer):
    with app.app_context():
        make_draft(account.project, account.designer, title="Only draft")
    url = f"{account.base}/projects/{account.project.id}"
    html = designer.get(f"{url}?page=9").get_data(as_text=True)
    assert "No drafts on this page." in html
    assert f'<a href="{url}">Go to the first page</a>' in html
    assert designer.get(f"{url}?page=nine").status_code == 200
