"""The reminder tests' shared review (see ``tests.reminders.helpers``)."""

from tests.reminders.helpers import review  # noqa: F401
