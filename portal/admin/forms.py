"""Forms of the admin pages."""

from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.forms import NameField, PortalForm
from portal.models import StaffRole


class ClientForm(PortalForm):
    name = NameField("Client name", validators=[InputRequired(), Length(max=120)])


class AssignForm(PortalForm):
    user_id = SelectField("Staff member", coerce=int)
    responsibility = StringField("What they do for this client", validators=[Length(max=200)])
    # Sent by the Undo of a removal, to put an account manager back as one.
    account_manager = BooleanField("Account manager")


class AssignmentForm(PortalForm):
    responsibility = StringField("What they do for this client", validators=[Length(max=200)])
    account_manager = BooleanField("Account manager")


class RoleForm(PortalForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.label) for role in StaffRole])
