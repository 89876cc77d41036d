"""Threads and comments: posting, live updates, editing, resolving and sharing notes.

Every form works as a plain POST and redirect; htmx requests get the changed fragment.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import access
from portal.actions import form_action, is_partial
from portal.clients.services import account_team
from portal.drafts.pages import draft_page, render_draft_page
from portal.errors import Conflict
from portal.extensions import db
from portal.models import StaffRole, Thread, ThreadKind
from portal.routing import row_id
from portal.threads import services
from portal.threads.forms import (
    CommentForm,
    ConversationForm,
    EditCommentForm,
    ThreadForm,
    replying_form,
)
from portal.threads.live import live_stamp
from portal.threads.subscriptions import set_follow_level
from portal.threads.versions import version_labels
from portal.urls import thread_location

bp = Blueprint("threads", __name__, url_prefix="/clients/<slug>")


def _visible_thread(slug: str, thread_id: int):
    """The client and the thread the current user may read, or 404."""
    client = access.get_client_or_404(current_user, slug)
    return client, access.get_thread_or_404(current_user, client, thread_id)


def thread_url(client, thread: Thread, comment_id: int | None = None) -> str:
    """Where a thread is read: its draft's page for a draft discussion, else its own page."""
    endpoint, values = thread_location(thread, client.slug, comment_id)
    return url_for(endpoint, **values)


def render_thread_home(
    client, thread: Thread, form: CommentForm, focus_id: int | None = None
) -> str:
    """The page a thread lives on, with ``form`` (and its errors) as the comment form; with
    ``focus_id``, the page of the thread that ends at that comment instead of the newest."""
    if thread.kind == ThreadKind.DRAFT:
        draft = access.get_draft_or_404(current_user, client, thread.draft_id)
        return render_draft_page(client, draft, None, comment_form=form, focus_id=focus_id)
    before_id = focus_id + 1 if focus_id else None
    return render_template(
        "threads/show.html",
        client=client,
        thread=thread,
        comments=services.comment_page(current_user, thread, before_id=before_id),
        form=form,
    )


@bp.get("/threads/<int:thread_id>")
@login_required
def show(slug, thread_id):
    """A conversation, project or staff-only thread with its newest comments.

    ``?comment=N`` shows the thread up to comment N (where a search result leads)."""
    client, thread = _visible_thread(slug, thread_id)
    if thread.kind == ThreadKind.DRAFT:
        return redirect(thread_url(client, thread))
    return render_thread_home(
        client,
        thread,
        replying_form(request.args.get("reply_to")),
        focus_id=request.args.get("comment", type=row_id),
    )


@bp.post("/threads/<int:thread_id>/comments")
@login_required
def post(slug, thread_id):
    """Post a comment; an htmx request gets the new comment and a fresh form back."""
    client, thread = _visible_thread(slug, thread_id)
    form = CommentForm()
    if form.validate_on_submit():
        with form_action(form, "body") as action:
            comment = services.post_comment(
                current_user,
                thread,
                form.body.data,
                internal=form.internal.data,
                anchor=form.anchor(),
                reply_to_id=row_id(form.reply_to.data),
                on_version_id=row_id(form.version_id.data),
            )
        if action.ok and is_partial():
            # A fresh form; the poller, told by the trigger, fetches the new comment.
            fresh_form = _comment_form(client, thread, CommentForm(formdata=None))
            return fresh_form, 200, {"HX-Trigger": "comments-changed"}
        if action.ok:
            return redirect(thread_url(client, thread, comment.id))
    if is_partial():
        return _comment_form(client, thread, form), form.status
    return render_thread_home(client, thread, form), form.status


def _comment_form(client, thread: Thread, form: CommentForm) -> str:
    version = services.current_version(thread)
    return render_template(
        "threads/_partials/comment_form.html",
        client=client,
        thread=thread,
        form=form,
        comment_version=version,
        pdf_pages=version.page_count if version is not None and version.is_pdf else None,
    )


@bp.get("/threads/<int:thread_id>/comments")
@login_required
def since(slug, thread_id):
    """Polling: comments newer than ``after``. With ``stamp`` (the live stamp the page was
    drawn with), a change to anything else the reader sees also redraws the comments on
    their screen (from ``first``) and, on a draft page, its state. 204 when nothing changed."""
    client, thread = _visible_thread(slug, thread_id)
    after = request.args.get("after", type=row_id) or 0
    version_id = request.args.get("version", type=row_id)
    comments = services.comments_after(current_user, thread, after, version_id)
    stamp = live_stamp(current_user, thread)
    changed = request.args.get("stamp", stamp) != stamp
    if not comments and not changed:
        return "", 204
    first = request.args.get("first", type=row_id)
    redrawn = []
    if changed and first and after:
        redrawn = services.comments_between(current_user, thread, first, after, version_id)
    draft = None
    if changed and thread.kind == ThreadKind.DRAFT:
        draft = access.get_draft_or_404(current_user, client, thread.draft_id)
        draft = draft_page(current_user, client, draft, request.args.get("v", type=row_id))
    return _render_comments(
        "threads/_partials/arrived.html", client, thread, comments=comments, redrawn=redrawn,
        after=comments[-1].id if comments else after, first=first, stamp=stamp,
        only_version_id=version_id, page=draft,
        shown_version_id=request.args.get("shown", type=row_id) or 0,
    )  # fmt: skip


def _render_comments(template: str, client, thread: Thread, **context) -> str:
    """A fragment of ``thread``'s comments, labelled with their versions in a draft's."""
    return render_template(
        template, client=client, thread=thread, labels=version_labels(thread), **context
    )


@bp.get("/threads/<int:thread_id>/comments/older")
@login_required
def older(slug, thread_id):
    """The page of comments before ``before``, replacing the "older comments" button."""
    client, thread = _visible_thread(slug, thread_id)
    before = request.args.get("before", type=row_id)
    if before is None:
        abort(400)
    version_id = request.args.get("version", type=row_id)
    page = services.comment_page(current_user, thread, before_id=before, version_id=version_id)
    return _render_comments(
        "threads/_partials/older.html", client, thread, comments=page, only_version_id=version_id
    )


@bp.post("/threads/<int:thread_id>/read")
@login_required
def read(slug, thread_id):
    """Record how far the reader has read the thread."""
    client, thread = _visible_thread(slug, thread_id)
    up_to = row_id(request.form.get("up_to"))
    if up_to is None:
        abort(400)
    services.mark_read(current_user, thread, up_to)
    db.session.commit()
    if is_partial():
        return "", 204
    return redirect(thread_url(client, thread))


@bp.post("/threads/<int:thread_id>/follow")
@login_required
def follow(slug, thread_id):
    """Watch the thread, hear only of mentions, or mute it."""
    client, thread = _visible_thread(slug, thread_id)
    set_follow_level(current_user, thread, request.form.get("level", ""))
    db.session.commit()
    flash("Saved how you follow this conversation.", "success")
    return redirect(thread_url(client, thread))


def _comment_changed(client, comment, message):
    db.session.commit()
    comment = access.get_comment_or_404(current_user, client, comment.id)
    if is_partial():
        return _render_comments(
            "threads/_partials/comment.html", client, comment.thread, comment=comment
        )
    flash(message, "success")
    return redirect(thread_url(client, comment.thread, comment.id))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug, comment_id):
    """Edit your own comment; an edit based on an old revision gets 409 and keeps your text."""
    client = access.get_client_or_404(current_user, slug)
    comment = access.get_comment_or_404(current_user, client, comment_id)
    access.require(access.can_edit(current_user, comment))
    form = EditCommentForm(obj=comment, comment_id=comment.id)
    if form.validate_on_submit():
        revision = row_id(form.revision.data) or 0
        with form_action(form, "body") as action:
            services.edit_comment(current_user, comment, form.body.data, revision)
        if action.ok:
            return _comment_changed(client, comment, "Comment updated.")
        if isinstance(action.error, Conflict):
            # Start the next try from the current revision, keeping what the editor wrote.
            form.revision.data = comment.revision
            form.body.errors[-1] += " Your text is kept below; the current one is shown above it."
    elif request.method == "GET":
        form.revision.data = comment.revision
    template = "threads/_partials/edit_form.html" if is_partial() else "threads/edit.html"
    return render_template(template, client=client, comment=comment, form=form), form.status


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(slug, comment_id):
    """Delete your comment: it stays in the thread as "deleted"."""
    client = access.get_client_or_404(current_user, slug)
    comment = access.get_comment_or_404(current_user, client, comment_id)
    access.require(access.can_delete(current_user, comment))
    services.delete_comment(current_user, comment)
    return _comment_changed(client, comment, "Comment deleted.")


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
def resolve(slug, comment_id):
    """Mark the point a comment makes as dealt with."""
    return _set_resolved(slug, comment_id, True)


@bp.post("/comments/<int:comment_id>/reopen")
@login_required
def reopen(slug, comment_id):
    """Reopen a resolved comment."""
    return _set_resolved(slug, comment_id, False)


def _set_resolved(slug, comment_id, resolved):
    client = access.get_client_or_404(current_user, slug)
    comment = access.get_comment_or_404(current_user, client, comment_id)
    access.require(access.can_resolve(current_user, comment))
    services.set_resolved(current_user, comment, resolved)
    return _comment_changed(client, comment, "Resolved." if resolved else "Reopened.")


@bp.route("/comments/<int:comment_id>/promote", methods=["GET", "POST"])
@login_required
def promote(slug, comment_id):
    """Preview a staff-only note as the client will see it, then share it as a reply."""
    client = access.get_client_or_404(current_user, slug)
    comment = access.get_comment_or_404(current_user, client, comment_id)
    access.require(access.can_write_staff_notes(current_user))
    thread, comment_id = comment.thread, comment.id
    if request.method == "POST":
        services.promote_note(current_user, comment)  # a refusal answers 409 or 422
        db.session.commit()
        flash("The note is now a reply the client can read.", "success")
        return redirect(thread_url(client, thread, comment_id))
    if not access.can_promote(current_user, comment):
        abort(404)
    return render_template("threads/promote.html", client=client, comment=comment)


@bp.route("/conversations/new", methods=["GET", "POST"])
@login_required
def new_conversation(slug):
    """Ask people on the account team directly, by name or by what they do."""
    client = access.get_client_or_404(current_user, slug)
    team = account_team(client)
    form = ConversationForm()
    form.people.choices = [(a.user.id, f"{a.user.name} ({a.user.role_label})") for a in team]
    roles = sorted({StaffRole(a.user.role) for a in team}, key=list(StaffRole).index)
    form.role.choices = [("", "Nobody in particular")] + [(r.value, r.label) for r in roles]
    if request.method == "GET" and request.args.get("role") in {r.value for r in roles}:
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        with form_action(form, "body") as action:
            participants = services.conversation_participants(
                client, form.people.data or [], form.role.data or None
            )
            thread = services.start_thread(
                current_user, client, title=form.title.data, body=form.body.data,
                kind=ThreadKind.DIRECT, participant_ids=participants,
            )  # fmt: skip
        if action.ok:
            flash("Sent. They'll see it in their inbox.", "success")
            return redirect(thread_url(client, thread))
    return render_template("threads/new_conversation.html", client=client, form=form), form.status


@bp.route("/projects/<int:project_id>/threads/new", methods=["GET", "POST"])
@login_required
def new_thread(slug, project_id):
    """Open a general thread on a project; staff may make it staff-only."""
    client = access.get_client_or_404(current_user, slug)
    project = access.get_project_or_404(current_user, client, project_id)
    form = ThreadForm()
    if form.validate_on_submit():
        internal = bool(form.internal.data) and access.can_write_staff_notes(current_user)
        with form_action(form, "body") as action:
            thread = services.start_thread(
                current_user, client, title=form.title.data, body=form.body.data,
                kind=ThreadKind.INTERNAL if internal else ThreadKind.PROJECT,
                project=project, internal=internal,
            )  # fmt: skip
        if action.ok:
            return redirect(thread_url(client, thread))
    return render_template(
        "threads/new_thread.html", client=client, project=project, form=form
    ), form.status
