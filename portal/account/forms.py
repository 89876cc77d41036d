"""Forms for a person's own account."""

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from portal.forms import PortalForm
from portal.models import EmailFrequency
from portal.validation import TIMEZONES, display_name


class ProfileForm(PortalForm):
    name = StringField("Name", validators=[InputRequired(), display_name])
    timezone = SelectField("Time zone", choices=[SelectChoice(zone) for zone in TIMEZONES])


HOURS = [SelectChoice(str(hour), f"{hour:02d}:00") for hour in range(24)]
WEEKDAYS = [
    SelectChoice(str(n), day)
    for n, day in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
]


class EmailPreferencesForm(PortalForm):
    email_frequency = SelectField(
        "E-mail me",
        choices=[SelectChoice(f.value, f.label) for f in EmailFrequency],
    )
    digest_hour = SelectField("Digest arrives at", choices=HOURS, coerce=int)
    digest_weekday = SelectField("Weekly digest on", choices=WEEKDAYS, coerce=int)
    quiet_from = SelectField(
        "Quiet from", choices=[SelectChoice("", "No quiet hours"), *HOURS], validators=[Optional()]
    )
    quiet_until = SelectField(
        "Quiet until", choices=[SelectChoice("", "—"), *HOURS], validators=[Optional()]
    )

    def quiet_hours(self) -> tuple[int | None, int | None]:
        """(from, until) as hours, None for a blank choice (whitespace included: the Optional
        validator lets it through)."""
        return tuple(
            int(value) if (value := (field.data or "").strip()) else None
            for field in (self.quiet_from, self.quiet_until)
        )
