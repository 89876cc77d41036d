"""Forms for projects."""

from wtforms import DateField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import NameField, PortalForm


class ProjectForm(PortalForm):
    name = NameField("Project name", validators=[InputRequired(), Length(max=160)])
    brief = TextAreaField("Brief", validators=[Length(max=20000)])
    goals = TextAreaField("Shared goals", validators=[Length(max=5000)])
    due_date = DateField("Due date", validators=[Optional()])
