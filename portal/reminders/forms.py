"""The review-due field, shared by the new-draft, new-version and due-date forms."""

from wtforms import StringField
from wtforms.validators import ValidationError

from portal.forms import PortalForm

REVIEW_DUE_HINT = (
    "When the client's decision on this version is due, on your clock. Reviewers who "
    "haven't decided are reminded the day before, on the day and for two days after. "
    "Leave empty for no due date."
)


def review_due_field() -> StringField:
    """A date-and-time field (a browser's picker; any browser also takes it typed). The
    service reads and checks it (``portal.reminders.due.parse_review_due``)."""
    return StringField(
        "Decision due", render_kw={"type": "datetime-local"}, description=REVIEW_DUE_HINT
    )


class ReviewDueForm(PortalForm):
    """Change when the current version's review is due (empty: no due date)."""

    review_due = review_due_field()

    def validate_review_due(self, field):
        if not field.raw_data:
            raise ValidationError("Say when the review is due, or leave the field empty.")
