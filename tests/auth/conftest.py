"""People the sign-in tests share."""

import pytest

from portal.models import StaffRole
from tests.factories import make_staff


@pytest.fixture
def staff(app):
    """An active copywriter with the test password."""
    with app.app_context():
        return make_staff(StaffRole.COPYWRITER, name="Sam Staff")


@pytest.fixture
def admin(app):
    """An active agency admin with the test password."""
    with app.app_context():
        return make_staff(StaffRole.ADMIN, name="Ada Admin")
