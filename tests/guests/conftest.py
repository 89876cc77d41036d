"""Northwind's image draft, for the guest tests."""

import pytest

from portal.models import DraftKind
from tests.factories import png_bytes
from tests.review import make_draft_in_review


@pytest.fixture
def image_draft(app, account):
    with app.app_context():
        return make_draft_in_review(account, DraftKind.IMAGE, image=png_bytes(), title="Poster")
