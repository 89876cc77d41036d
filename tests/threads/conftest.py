import pytest

from tests.drafts.helpers import browser_for, build_account
from tests.factories import make_thread


@pytest.fixture
def account(app):
    return build_account(app)


@pytest.fixture
def thread(app, account):
    """A project thread the reviewer opened."""
    with app.app_context():
        return make_thread(
            account.client,
            account.reviewer,
            project=account.project,
            title="Launch date",
            body="When do we launch?",
        )


@pytest.fixture
def reviewer(new_browser, account):
    return browser_for(new_browser, account.reviewer)


@pytest.fixture
def writer(new_browser, account):
    return browser_for(new_browser, account.writer)
