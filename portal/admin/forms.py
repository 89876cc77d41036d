"""Forms of the admin pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.models import StaffRole


class ClientForm(FlaskForm):
    name = StringField("Client name", validators=[InputRequired(), Length(max=120)])


class AssignForm(FlaskForm):
    user_id = SelectField("Staff member", coerce=int)
    responsibility = StringField("What they do for this client", validators=[Length(max=200)])


class AssignmentForm(FlaskForm):
    responsibility = StringField("What they do for this client", validators=[Length(max=200)])
    account_manager = BooleanField("Account manager")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.label) for role in StaffRole])
