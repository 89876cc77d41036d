"""The base form: control characters dropped from every field, at a constant cost; fields
write their attributes as WTForms would."""

import pytest
import wtforms.widgets
from markupsafe import Markup
from wtforms import StringField
from wtforms.widgets import core

from portal.forms import WTFORMS_HTML_PARAMS, PortalForm, html_params, strip_control_characters


def trimmed(value):
    return value.strip() if value else value


class NameForm(PortalForm):
    class Meta:
        csrf = False

    name = StringField("Name", filters=[trimmed])


def test_every_field_drops_control_characters_before_its_own_filters(app):
    with app.test_request_context(method="POST", data={"name": " Ada\x00\x07 Lovelace\x1b "}):
        assert NameForm().name.data == "Ada Lovelace"


def test_building_forms_leaves_the_class_fields_as_they_were(app):
    """Each instance once gained one more filter on the shared field: a leak that made every
    request's forms slower than the last."""
    with app.test_request_context():
        for _ in range(20):
            form = NameForm()
    assert form.name.filters == (strip_control_characters, trimmed)
    assert NameForm.name.kwargs["filters"] == [trimmed]


ATTRIBUTE_SETS = [
    {},
    {"name": "body", "id": "body", "value": ""},
    {"class_": "inline", "for_": "x", "data_anchor": "start", "aria_described_by": "a b"},
    {"checked": True, "disabled": False, "required": True, "name": "internal"},
    {"value": 'say "hi" & <bye>', "title": "it's"},
    {"value": Markup('<b title="x">&amp;</b>'), "minlength": 1, "step": 0.5, "max": None},
    {"data-anchor": "type", "aria-describedby": "body-hint body-error", "aria-invalid": "true"},
    {"weird<key>": "v"},
]


@pytest.mark.parametrize("attributes", ATTRIBUTE_SETS)
def test_fields_write_their_attributes_exactly_as_wtforms_does(attributes):
    ours, theirs = html_params(**attributes), WTFORMS_HTML_PARAMS(**attributes)
    assert ours == theirs
    assert isinstance(ours, Markup)


def test_every_widget_and_label_writes_attributes_with_ours(app):
    assert core.html_params is wtforms.widgets.html_params is html_params
    assert core.Input.html_params is html_params
    assert core.Button.html_params is html_params
