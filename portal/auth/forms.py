"""Forms for signing in and for passwords."""

from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from portal.auth.passwords import MAX_PASSWORD_LENGTH
from portal.forms import PortalForm
from portal.validation import email_address


class LoginForm(PortalForm):
    email = EmailField("E-mail", validators=[InputRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField("Keep me signed in on this device")


class ResetRequestForm(PortalForm):
    email = EmailField("E-mail", validators=[InputRequired(), email_address, Length(max=254)])


class NewPasswordForm(PortalForm):
    password = PasswordField("New password", validators=[InputRequired()])
    confirm = PasswordField("Repeat the new password", validators=[InputRequired()])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[InputRequired()])
