"""Drafts: the review page, new drafts and versions, comparisons, files and decisions."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from portal import access
from portal.actions import form_action, go_to, is_partial
from portal.clients.services import account_team
from portal.drafts import reviewers, services, storage
from portal.drafts.diff import compare_copy
from portal.drafts.forms import DecisionForm, DraftForm, ReviewersForm, VersionForm
from portal.drafts.pages import render_decision_answer, render_draft_page, version_stage
from portal.drafts.processing import page_images
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import DraftKind, FeedbackStatus, User
from portal.notifications.review import mark_review_seen
from portal.reminders.due import due_field_value, is_overdue, parse_review_due, set_review_due
from portal.routing import row_id
from portal.threads.forms import replying_form

bp = Blueprint("drafts", __name__, url_prefix="/clients/<slug>")

# Files are shown inside a sandbox, never as a page of ours, nor framed, nor read by other
# sites. PDFs are never shown in the browser: Chromium's viewer won't start in a sandboxed
# document (CSP ``sandbox`` or a sandboxed frame blocks it), and unsandboxed it would run a
# stranger's PDF as a page of our origin. The draft page shows a PDF's pages drawn as images
# instead; the PDF itself is a download, under the same strict policy.
FILE_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
)
FILE_HEADERS = {
    "Content-Security-Policy": FILE_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@bp.route("/projects/<int:project_id>/drafts/new", methods=["GET", "POST"])
@login_required
def new_draft(slug, project_id):
    """Start a draft under a project, naming its maker, its reviewers and their rule."""
    client = access.get_client_or_404(current_user, slug)
    project = access.get_project_or_404(current_user, client, project_id)
    access.require(access.can_work_on(current_user, client))
    form = DraftForm()
    makers = [a.user for a in account_team(client)]
    form.maker_id.choices = [(u.id, f"{u.name} ({u.role_label})") for u in makers]
    if request.method == "GET" and current_user.id in {u.id for u in makers}:
        form.maker_id.data = current_user.id
    people = reviewers.client_people(client.id)
    form.offer(people)
    if request.method == "GET":
        form.reviewer_ids.data = [person.id for person in people]
        form.approval_rule.data = client.approval_rule
    if form.validate_on_submit():
        with form_action(form, "title") as action:
            review_due_at = parse_review_due(form.review_due.data, current_user)
            draft = services.create_draft(
                current_user,
                project,
                title=form.title.data,
                kind=form.kind.data,
                maker=db.session.get(User, form.maker_id.data),
                due_date=form.due_date.data,
                reviewer_ids=form.reviewer_ids.data,
                approval_rule=form.approval_rule.data,
                final_approver_id=form.final_approver_id.data,
            )
            set_review_due(current_user, draft, review_due_at)
        if action.ok:
            flash(f"Created “{draft.title}”. Add its first version.", "success")
            return redirect(url_for(".new_version", slug=slug, draft_id=draft.id))
    return render_template(
        "drafts/new.html", client=client, project=project, form=form
    ), form.status


@bp.get("/drafts/<int:draft_id>")
@login_required
def show(slug, draft_id):
    """The review page: the version, its pins or passages, the thread and the decisions.

    ``?comment=N`` shows the thread up to comment N (where a pin of an older comment leads).
    """
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    mark_review_seen(current_user, draft)
    page = render_draft_page(
        client,
        draft,
        request.args.get("v", type=row_id),
        comment_form=replying_form(request.args.get("reply_to")),
        focus_id=request.args.get("comment", type=row_id),
        only_this_version=request.args.get("comments") == "version",
    )
    db.session.commit()  # the seen mark
    return page


@bp.route("/drafts/<int:draft_id>/versions/new", methods=["GET", "POST"])
@login_required
def new_version(slug, draft_id):
    """Add a version: edit the copy or upload a file, and say what happened to the feedback."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    access.require(access.can_work_on(current_user, client))
    form = VersionForm()
    if request.method == "GET":
        previous = services.latest_version(draft)
        form.body.data = previous.body if previous else ""
        if not is_overdue(draft):
            form.review_due.data = due_field_value(draft, current_user)
    if form.validate_on_submit():
        field = "file" if draft.kind != DraftKind.COPY else "body"
        with form_action(form, field) as action:
            version = _save_version(draft, form, services.open_client_feedback(draft))
        if action.ok:
            flash(f"Version {version.number} is up for review.", "success")
            return go_to(url_for(".show", slug=slug, draft_id=draft_id))
    draft = access.get_draft_or_404(current_user, client, draft_id)
    return render_template(
        "drafts/new_version.html",
        client=client,
        draft=draft,
        previous=services.latest_version(draft),
        open_feedback=services.open_client_feedback(draft),
        form=form,
        statuses=list(FeedbackStatus),
    ), form.status


def _save_version(draft, form, open_feedback):
    feedback = {
        comment.id: (
            request.form.get(f"feedback-{comment.id}", FeedbackStatus.OPEN),
            request.form.get(f"reason-{comment.id}", ""),
        )
        for comment in open_feedback
    }
    # Checked before the file is stored, so a refused version leaves no file behind.
    services.check_feedback(open_feedback, feedback)
    review_due_at = parse_review_due(form.review_due.data, current_user)
    stored = None
    if draft.kind != DraftKind.COPY:
        upload = form.file.data
        if not upload or not upload.filename:
            raise InvalidInput("Choose a file to upload.", field="file")
        stored = storage.store_upload(upload.stream, upload.filename, draft.kind)
    version = services.add_version(
        current_user,
        draft,
        note=form.note.data or "",
        body=form.body.data,
        stored=stored,
        feedback=feedback,
    )
    set_review_due(current_user, draft, review_due_at)
    return version


@bp.get("/drafts/<int:draft_id>/compare")
@login_required
def compare(slug, draft_id):
    """Two versions compared: a word-level diff for copy, two images laid over each other,
    two PDFs page by page; each picture with its pins."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    versions = {v.number: v for v in services.versions_of(draft)}
    old = versions.get(request.args.get("from", type=row_id))
    new = versions.get(request.args.get("to", type=row_id))
    if old is None or new is None:
        abort(404)
    diff = compare_copy(old.body, new.body) if draft.kind == DraftKind.COPY else None
    stages = None
    if draft.kind != DraftKind.COPY:
        stages = [
            version_stage(current_user, client, draft, version, is_current=False)
            for version in (old, new)
        ]
    return render_template(
        "drafts/compare.html", client=client, draft=draft, old=old, new=new, diff=diff,
        stages=stages, versions=sorted(versions.values(), key=lambda v: v.number),
    )  # fmt: skip


@bp.post("/drafts/<int:draft_id>/decision")
@login_required
def decide(slug, draft_id):
    """A client reviewer approves the current version or asks for changes."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    access.require(access.can_decide(current_user, draft))
    form = DecisionForm()
    if form.validate_on_submit():
        with form_action(form, "note") as action:
            version = _version_decided_on(client, draft, form.version_id.data)
            services.record_decision(
                current_user,
                version,
                form.verdict.data,
                form.note.data,
                confirmed=form.confirm.data == "1",
            )
        if action.ok and not is_partial():
            flash("Thanks, your decision is recorded.", "success")
            return redirect(url_for(".show", slug=slug, draft_id=draft.id))
    return render_decision_answer(client, draft, decision_form=form), form.status


@bp.post("/drafts/<int:draft_id>/reviewers")
@login_required
def change_reviewers(slug, draft_id):
    """The account team changes who reviews a draft and the rule their verdicts follow."""
    client = access.get_client_or_404(current_user, slug)
    draft = access.get_draft_or_404(current_user, client, draft_id)
    access.require(access.can_work_on(current_user, client))
    form = ReviewersForm()
    form.offer(reviewers.client_people(client.id))
    if form.validate_on_submit():
        with form_action(form, "reviewer_ids") as action:
            reviewers.change_reviewers(
                current_user,
                draft,
                form.reviewer_ids.data,
                form.approval_rule.data,
                form.final_approver_id.data,
            )
        if action.ok and not is_partial():
            flash("Saved who reviews this draft.", "success")
            return redirect(url_for(".show", slug=slug, draft_id=draft.id))
    return render_decision_answer(client, draft, reviewers_form=form), form.status


def _version_decided_on(client, draft, version_id: str | None):
    if row_id(version_id) is None:
        raise InvalidInput("Reload the page: it didn't say which version you decided on.")
    version = access.get_version_or_404(current_user, client, row_id(version_id))
    if version.draft_id != draft.id:
        abort(404)
    return version


def _send_version_file(slug, version_id, *, as_attachment, thumbnail=False):
    client = access.get_client_or_404(current_user, slug)
    version = access.get_version_or_404(current_user, client, version_id)
    if not version.is_file:
        abort(404)
    if thumbnail:
        return _send_preview(version.thumbnail_hash)
    response = send_file(
        storage.stored_path(version.file_hash),
        mimetype=version.mime_type,
        as_attachment=as_attachment or not version.is_image,
        download_name=version.original_name,
        conditional=True,
        etag=version.file_hash,
    )
    response.headers.update(FILE_HEADERS)
    return response


def _send_preview(preview_hash: str | None):
    """A preview a job made (a thumbnail, a PDF's page); 404 until it has."""
    if not preview_hash or not storage.stored_path(preview_hash).is_file():
        abort(404)
    response = send_file(
        storage.stored_path(preview_hash),
        mimetype=storage.stored_type(preview_hash) or "application/octet-stream",
        conditional=True,
        etag=preview_hash,
    )
    response.headers.update(FILE_HEADERS)
    return response


@bp.get("/versions/<int:version_id>/file")
@login_required
def file(slug, version_id):
    """A version's file to view in the browser: images inline, anything else (PDFs too,
    whose pages the draft page shows as images) saved.

    With ``?thumbnail=1``, the image's small preview instead (once a job has made it).
    """
    thumbnail = request.args.get("thumbnail") == "1"
    return _send_version_file(slug, version_id, as_attachment=False, thumbnail=thumbnail)


@bp.get("/versions/<int:version_id>/pages/<int:page>")
@login_required
def page_image(slug, version_id, page):
    """Page ``page`` of a PDF version drawn as an image (once a job has drawn it)."""
    client = access.get_client_or_404(current_user, slug)
    version = access.get_version_or_404(current_user, client, version_id)
    drawn = page_images(version.file_hash) if version.is_pdf else None
    image = drawn.page(page) if drawn else None
    return _send_preview(image.image_hash if image else None)


@bp.get("/versions/<int:version_id>/stage")
@login_required
def stage(slug, version_id):
    """A file version's picture with its pins, as the draft page shows it: the fragment
    the page asks for again until the job has processed the file."""
    client = access.get_client_or_404(current_user, slug)
    version = access.get_version_or_404(current_user, client, version_id)
    draft = access.get_draft_or_404(current_user, client, version.draft_id)
    if not version.is_file:
        abort(404)
    is_current = services.latest_version(draft).id == version.id
    return render_template(
        "drafts/_partials/stage.html",
        client=client,
        stage=version_stage(current_user, client, draft, version, is_current=is_current),
    )


@bp.get("/versions/<int:version_id>/thumbnail")
@login_required
def thumbnail(slug, version_id):
    """An image version's thumbnail as lists of drafts show it: the fragment a placeholder
    asks for again until the job has made the thumbnail."""
    client = access.get_client_or_404(current_user, slug)
    version = access.get_version_or_404(current_user, client, version_id)
    if not version.is_image:
        abort(404)
    return render_template("drafts/_partials/thumbnail.html", client=client, version=version)


@bp.get("/versions/<int:version_id>/download")
@login_required
def download(slug, version_id):
    """A version's file as a download, under the name it was uploaded with."""
    return _send_version_file(slug, version_id, as_attachment=True)
