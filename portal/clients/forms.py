"""Forms for projects."""

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class ProjectForm(FlaskForm):
    name = StringField("Project name", validators=[InputRequired(), Length(max=160)])
    brief = TextAreaField("Brief", validators=[Length(max=20000)])
    goals = TextAreaField("Shared goals", validators=[Length(max=5000)])
    due_date = DateField("Due date", validators=[Optional()])
