import pytest

from tests.drafts.helpers import build_account


@pytest.fixture
def account(app):
    return build_account(app)
