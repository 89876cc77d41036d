"""Forms for inviting people and accepting an invitation."""

from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.forms import PortalForm
from portal.models import ClientRole, StaffRole
from portal.validation import TIMEZONES, display_name, email_address


class InviteForm(PortalForm):
    email = EmailField("E-mail", validators=[InputRequired(), email_address, Length(max=254)])
    role = SelectField("Role")


def client_invite_form(roles: list[ClientRole]) -> InviteForm:
    """The form to invite someone into a client organisation in one of ``roles``."""
    form = InviteForm()
    form.role.choices = [SelectChoice(role.value, role.label) for role in roles]
    return form


def staff_invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = [SelectChoice(role.value, role.label) for role in StaffRole]
    return form


class AcceptInvitationForm(PortalForm):
    name = StringField("Your name", validators=[InputRequired(), display_name])
    password = PasswordField("Choose a password", validators=[InputRequired()])
    confirm = PasswordField("Repeat the password", validators=[InputRequired()])
    # The service refuses a zone not in the list, with a message of its own.
    timezone = SelectField(
        "Your time zone", choices=[SelectChoice(zone) for zone in TIMEZONES], validate_choice=False
    )


def accept_invitation_form(default_zone: str) -> AcceptInvitationForm:
    """The form to accept an invitation, its time zone at ``default_zone``. While the form is
    fresh (not sent back with a choice), portal.js sets the zone to the browser's own."""
    form = AcceptInvitationForm(timezone=default_zone)
    if not form.is_submitted():
        form.timezone.render_kw = {"data-browser-timezone": ""}
    return form
