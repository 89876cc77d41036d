"""Forms of the health pages: the account manager's pulse, and the agency's weights."""

from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from portal.forms import PortalForm
from portal.health.scoring import SIGNALS
from portal.models import PulseRating


class PulseForm(PortalForm):
    rating = RadioField(
        "How is the relationship?",
        choices=[SelectChoice(rating.value, rating.label) for rating in PulseRating],
        validators=[InputRequired("Choose Healthy, Concerning or Poor.")],
    )
    comment = TextAreaField(
        "Why? (required)",
        validators=[InputRequired("Say why, so the next person understands."), Length(max=2000)],
    )


def weights_form(current: dict[str, int], formdata=None) -> PortalForm:
    """A form with one 0-100 weight per signal, filled with ``current``."""

    class WeightsForm(PortalForm):
        pass

    for spec in SIGNALS:
        setattr(
            WeightsForm,
            spec.key,
            IntegerField(
                spec.label,
                default=current[spec.key],
                validators=[InputRequired(), NumberRange(min=0, max=100)],
                description=spec.explanation,
            ),
        )
    return WeightsForm(formdata=formdata) if formdata is not None else WeightsForm()
