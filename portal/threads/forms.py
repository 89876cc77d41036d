"""Forms for comments and conversations."""

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import NameField, PortalForm
from portal.routing import row_id
from portal.threads.services import MAX_COMMENT_LENGTH

# The form fields each kind of anchor is made of.
ANCHOR_FIELDS = {"passage": ("start", "end"), "point": ("x", "y"), "rect": ("x", "y", "w", "h")}


class CommentForm(PortalForm):
    body = TextAreaField(
        "Comment",
        validators=[InputRequired(), Length(max=MAX_COMMENT_LENGTH)],
        description="Markdown works: **bold**, _italic_, lists, links. @mention people or roles.",
    )
    internal = BooleanField("Staff-only note (the client won't see it)")
    anchor_type = HiddenField()
    start = HiddenField()
    end = HiddenField()
    x = HiddenField()
    y = HiddenField()
    w = HiddenField()
    h = HiddenField()
    page = IntegerField("On page", validators=[Optional()])
    reply_to = HiddenField()
    # The version the author was reading: a newer one refuses the comment, never moves it.
    version_id = HiddenField()

    def anchor(self) -> dict | None:
        """The anchor the form carries, unvalidated, or None for a general comment."""
        fields = ANCHOR_FIELDS.get(self.anchor_type.data)
        if fields:
            anchor = {"type": self.anchor_type.data, **{f: self[f].data for f in fields}}
            if self.page.data and self.anchor_type.data != "passage":
                anchor["page"] = self.page.data  # a pin or an area on a PDF's page
            return anchor
        if self.page.data:
            return {"type": "page", "page": self.page.data}
        return None


def replying_form(reply_to: str | None) -> CommentForm:
    """A fresh comment form replying to comment ``reply_to`` (from a link's ``?reply_to=``,
    how the Reply link opens the form without JavaScript); the post checks the comment."""
    form = CommentForm(formdata=None)
    form.reply_to.data = str(row_id(reply_to) or "")
    return form


class EditCommentForm(PortalForm):
    body = TextAreaField("Comment", validators=[InputRequired(), Length(max=MAX_COMMENT_LENGTH)])
    revision = HiddenField()

    def __init__(self, *args, comment_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Its own id, beside the thread's comment box (#body) on the same page.
        self.body.id = self.body.label.field_id = f"edit-body-{comment_id}"


class ConversationForm(PortalForm):
    title = NameField("Subject", validators=[InputRequired(), Length(max=200)])
    people = SelectMultipleField("People on your team", coerce=int, validators=[Optional()])
    role = SelectField("Or whoever does this on your account", validators=[Optional()])
    body = TextAreaField("Message", validators=[InputRequired(), Length(max=MAX_COMMENT_LENGTH)])


class ThreadForm(PortalForm):
    title = NameField("Subject", validators=[InputRequired(), Length(max=200)])
    body = TextAreaField(
        "First message", validators=[InputRequired(), Length(max=MAX_COMMENT_LENGTH)]
    )
    internal = BooleanField("Staff only (the client won't see this thread)")
