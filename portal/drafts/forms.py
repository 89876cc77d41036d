"""Forms for drafts, versions and decisions."""

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import PortalForm
from portal.models import DraftKind, Verdict


class DraftForm(PortalForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice(kind.value, kind.label) for kind in DraftKind])
    maker_id = SelectField("Maker", coerce=int)
    due_date = DateField("Due date", validators=[Optional()])


class VersionForm(PortalForm):
    body = TextAreaField("Copy")
    file = FileField("File")
    note = TextAreaField(
        "What changed", validators=[Length(max=5000)], description="Tell the client what's new."
    )


class DecisionForm(PortalForm):
    # The version the reviewer was looking at: a decision never lands on one they haven't seen.
    version_id = HiddenField()
    verdict = SelectField(
        "Decision",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(verdict.value, verdict.label) for verdict in Verdict],
    )
    note = TextAreaField("Note", validators=[Length(max=5000)])
