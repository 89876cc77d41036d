"""The base of every form: text arrives without control characters no database can store."""

import re

from flask_wtf import FlaskForm

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(value):
    """``value`` without NUL and other control characters (tabs and line breaks stay)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """A Flask-WTF form whose every field drops control characters from what it receives."""

    # Set by a domain error shown on the form: the status to answer with (409, 422).
    refused_with: int | None = None

    @property
    def status(self) -> int:
        """The HTTP status to show this form with: a refusal's, 422 for invalid fields, else 200."""
        return self.refused_with or (422 if self.errors else 200)

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # The class's unbound field is shared by every instance: extend a copy of its
            # filters, never the field itself, or each new form would add one more.
            filters = (strip_control_characters, *unbound_field.kwargs.get("filters", ()))
            return unbound_field.bind(form=form, filters=filters, **options)
