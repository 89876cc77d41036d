"""The base of every form: text arrives without control characters no database can store,
and a name or title without the Unicode controls that make text read other than it is written.

Also how every field writes its HTML attributes: WTForms' own ``html_params`` builds each
attribute through ``Markup.format``, about 35 Python calls an attribute, which made the
comment form a sixth of the draft page's cost. ``init_app`` puts in its place a function
that writes the same bytes (a test compares the two) in a fraction of the calls, and has
every choice's label (often a person's name) shown without bidi controls.
"""

import re

import wtforms.widgets
from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import core as widgets

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(value):
    """``value`` without NUL and other control characters (tabs and line breaks stay)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


# Unicode's explicit direction controls: embeddings and overrides (U+202A to U+202E), isolates
# (U+2066 to U+2069), and the marks (LRM, RLM, ALM). In a name, a title, a file name or a link
# they only disguise it: "invoice\u202efdp.exe" shows as "invoiceexe.pdf".
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(value, keep_marks: bool = False):
    """``value`` without bidi controls: shown as a name, title, file name, link or subject.

    With ``keep_marks``, for prose (comments, notes, briefs), only the embeddings, overrides
    and isolates go: writers of right-to-left scripts place punctuation with the marks, and a
    mark reverses no text. Browsers order right-to-left text correctly without any of them.
    """
    if not isinstance(value, str):
        return value
    return (_BIDI_OVERRIDES if keep_marks else _BIDI_CONTROLS).sub("", value)


_LINE_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")


def one_line(value):
    """``value`` with its line breaks and tabs folded into single spaces: a title that starts
    a new line in an e-mail's text could pass for a line of the message itself."""
    return _LINE_BREAKS.sub(" ", value) if isinstance(value, str) else value


class NameField(StringField):
    """A single line shown to others as a name or title: line breaks are folded (``one_line``)
    and bidi controls dropped (``strip_bidi_controls``) as it arrives."""

    def __init__(self, *args, filters=(), **kwargs):
        super().__init__(*args, filters=(*filters, one_line, strip_bidi_controls), **kwargs)


class PortalForm(FlaskForm):
    """A Flask-WTF form whose every field drops control characters from what it receives."""

    # Set by a domain error shown on the form: the status to answer with (409, 422).
    refused_with: int | None = None

    @property
    def status(self) -> int:
        """The HTTP status to show this form with: a refusal's, 422 for invalid fields, else 200."""
        return self.refused_with or (422 if self.errors else 200)

    class Meta:
        def wrap_formdata(self, form, formdata):
            # What a browser sends (urlencoded or multipart), never a JSON body, which
            # Flask-WTF would read: one that isn't an object of strings was a 500, and one the
            # rate limit's key didn't read escaped the per-account limit.
            if request.is_json:
                return None
            return super().wrap_formdata(form, formdata)

        def bind_field(self, form, unbound_field, options):
            # The class's unbound field is shared by every instance: extend a copy of its
            # filters, never the field itself, or each new form would add one more.
            filters = (strip_control_characters, *unbound_field.kwargs.get("filters", ()))
            return unbound_field.bind(form=form, filters=filters, **options)


WTFORMS_HTML_PARAMS = widgets.html_params


def html_params(**attributes) -> Markup:
    """WTForms' ``html_params``, the same output: attributes sorted by name (``class_`` and
    ``data_``/``aria_`` names cleaned as WTForms does), values escaped, ``True`` as a bare
    name, ``False`` left out."""
    written = []
    for name, value in sorted(attributes.items()):
        name = escape(widgets.clean_key(name))
        if value is True:
            written.append(name)
        elif value is not False:
            # escape() leaves a Markup value as it is; its double quotes still need escaping.
            written.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(written))


WTFORMS_CHOICE_POST_INIT = SelectChoice.__post_init__


def _choice_shown_as_a_name(choice: SelectChoice) -> None:
    WTFORMS_CHOICE_POST_INIT(choice)
    if type(choice.label) is str:  # a Markup label was written as HTML on purpose
        choice.label = strip_bidi_controls(choice.label)


def init_app(app) -> None:
    """Have every WTForms widget and label write its attributes with ``html_params`` above,
    and every choice of a select, radio or checkbox list drop bidi controls from its label."""
    SelectChoice.__post_init__ = _choice_shown_as_a_name
    widgets.html_params = wtforms.widgets.html_params = html_params
    widgets.Input.html_params = staticmethod(html_params)
    widgets.Button.html_params = staticmethod(html_params)
