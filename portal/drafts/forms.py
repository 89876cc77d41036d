"""Forms for drafts, versions, reviewers and decisions."""

from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.drafts.reviewers import client_people, reviewer_ids
from portal.forms import NameField, PortalForm
from portal.models import ApprovalRule, Draft, DraftKind, User, Verdict
from portal.reminders.forms import review_due_field
from portal.routing import row_id

RULE_CHOICES = [SelectChoice(rule.value, rule.label) for rule in ApprovalRule]


class ReviewersForm(PortalForm):
    """Who reviews a draft and how their verdicts combine. Choices are offered, not enforced
    here: the service refuses anyone who isn't one of the client's people, saying so."""

    reviewer_ids = SelectMultipleField(
        "Reviewers",
        coerce=row_id,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    approval_rule = RadioField("Who approves", choices=RULE_CHOICES, validate_choice=False)
    final_approver_id = SelectField("Final approver", coerce=row_id, validate_choice=False)

    def offer(self, people: list[User]) -> None:
        """Offer ``people`` (the client's active users) as reviewers and final approver."""
        self.reviewer_ids.choices = [(person.id, person.name) for person in people]
        self.final_approver_id.choices = [("", "No final approver")] + [
            (person.id, person.name) for person in people
        ]


class DraftForm(ReviewersForm):
    title = NameField("Title", validators=[InputRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice(kind.value, kind.label) for kind in DraftKind])
    maker_id = SelectField("Maker", coerce=int)
    due_date = DateField("Due date", validators=[Optional()])
    review_due = review_due_field()


class ApprovalRuleForm(PortalForm):
    """The approval rule a client's new drafts start with."""

    approval_rule = SelectField("Who approves new drafts", choices=RULE_CHOICES)


class VersionForm(PortalForm):
    body = TextAreaField("Copy")
    file = FileField("File")
    note = TextAreaField(
        "What changed", validators=[Length(max=5000)], description="Tell the client what's new."
    )
    review_due = review_due_field()


class DecisionForm(PortalForm):
    # The version the reviewer was looking at: a decision never lands on one they haven't seen.
    version_id = HiddenField()
    verdict = SelectField(
        "Decision",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(verdict.value, verdict.label) for verdict in Verdict],
    )
    note = TextAreaField("Note", validators=[Length(max=5000)])
    # "1" once the reviewer confirmed approving while client comments are still open.
    confirm = HiddenField()


def reviewers_form_for(draft: Draft) -> ReviewersForm:
    """The reviewers form as ``draft`` stands: its reviewers, rule and final approver."""
    form = ReviewersForm(
        formdata=None,
        reviewer_ids=reviewer_ids(draft.id),
        approval_rule=draft.approval_rule,
        final_approver_id=draft.final_approver_id,
    )
    form.offer(client_people(draft.client_id))
    return form
