"""Forms for a person's own account."""

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    timezone = SelectField("Time zone", choices=[SelectChoice(zone) for zone in TIMEZONES])
