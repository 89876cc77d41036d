"""Forms for sharing a draft with a guest and for the guest confirming their address."""

from wtforms import BooleanField, EmailField
from wtforms.validators import InputRequired, Length

from portal.forms import NameField, PortalForm
from portal.validation import display_name, email_address


class GuestForm(PortalForm):
    """Shown on the draft page beside other forms: its fields are named ``guest-…``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="guest", **kwargs)

    name = NameField("Name", validators=[InputRequired(), Length(max=120), display_name])
    email = EmailField("E-mail", validators=[InputRequired(), email_address, Length(max=254)])
    may_decide = BooleanField(
        "May decide", description="They may approve or request changes, as one of the reviewers."
    )


class ConfirmGuestForm(PortalForm):
    email = EmailField(
        "Your e-mail address",
        validators=[InputRequired(), Length(max=254)],
        description="The address this link was sent to.",
    )
