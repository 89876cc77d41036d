"""Admin pages: clients, account teams, people, staff invitations, the outbox and the jobs."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal import access
from portal.access import admin_required
from portal.actions import flash_action, flash_undo, form_action, is_partial, undo
from portal.admin import jobs as admin_jobs
from portal.admin import services
from portal.admin.forms import AssignForm, AssignmentForm, ClientForm, RoleForm
from portal.clients import services as client_services
from portal.config import is_embedded
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.invitations.forms import staff_invite_form
from portal.mail.secret_links import reveal, shown
from portal.models import Client, EmailMessage, EmailStatus, User
from portal.models.user import ROLE_LABELS
from portal.routing import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/clients")
@admin_required
def clients():
    """Every client, live and archived, with a form to add one."""
    return _clients_page(ClientForm())


def _clients_page(form, status=200):
    all_clients = db.session.scalars(access.visible_clients(current_user)).all()
    return render_template("admin/clients.html", clients=all_clients, form=form), status


@bp.post("/clients")
@admin_required
def create_client():
    """Create a client organisation and go to its team page."""
    form = ClientForm()
    if not form.validate_on_submit():
        return _clients_page(form, 422)
    client = client_services.create_client(current_user, form.name.data)
    db.session.commit()
    flash(f"Created {client.name}. Now put its account team together.", "success")
    return redirect(url_for(".team", slug=client.slug))


@bp.post("/clients/<slug>/archive")
@admin_required
def archive_client(slug):
    """Archive a client: its users can no longer sign in; nothing is deleted."""
    return _set_archived(slug, True)


@bp.post("/clients/<slug>/restore")
@admin_required
def restore_client(slug):
    """Bring an archived client back."""
    return _set_archived(slug, False)


def _set_archived(slug, archived):
    client = access.get_client_or_404(current_user, slug)
    client_services.set_client_archived(current_user, client, archived)
    db.session.commit()
    if archived:
        flash_undo(f"{client.name} is archived.", url_for(".restore_client", slug=client.slug))
    else:
        flash(f"{client.name} is restored.", "success")
    return redirect(url_for(".clients"))


@bp.get("/clients/<slug>/team")
@admin_required
def team(slug):
    """A client's account team: add and remove staff, say who does what, pick the lead."""
    client = access.get_client_or_404(current_user, slug)
    return _team_page(client)


def _team_page(client: Client, add_form=None, status=200, notice=None):
    template = "admin/_partials/team.html" if is_partial() else "admin/team.html"
    add_form = add_form or AssignForm()
    candidates = client_services.unassigned_staff(client)
    add_form.user_id.choices = [
        (user.id, f"{user.name} ({user.role_label})") for user in candidates
    ]
    return render_template(
        template,
        client=client,
        team=client_services.account_team(client),
        add_form=add_form,
        notice=notice,
    ), status


def _team_changed(client: Client, message: str, notice: dict | None = None):
    """Commit a change of the team, then show it: the fragment again to htmx, with
    ``notice`` (an Undo) if any; otherwise the page, after flashing ``notice`` or ``message``."""
    db.session.commit()
    if is_partial():
        return _team_page(client, notice=notice)
    flash(notice or message, "success")
    return redirect(url_for(".team", slug=client.slug))


@bp.post("/clients/<slug>/team")
@admin_required
def assign(slug):
    """Add a staff member to the team."""
    client = access.get_client_or_404(current_user, slug)
    form = AssignForm()
    form.user_id.choices = [
        (user.id, user.name) for user in client_services.unassigned_staff(client)
    ]
    if not form.validate_on_submit():
        return _team_page(client, form, 422)
    user = db.session.get(User, form.user_id.data)
    responsibility = form.responsibility.data or ""
    assignment = client_services.assign_staff(current_user, client, user, responsibility)
    if form.account_manager.data:
        client_services.update_assignment(current_user, assignment, responsibility, True)
    return _team_changed(client, f"{user.name} joined the {client.name} team.")


def _assignment_or_404(client: Client, assignment_id: int):
    assignment = client_services.get_assignment(client, assignment_id)
    if assignment is None:
        abort(404)
    return assignment


@bp.post("/clients/<slug>/team/<int:assignment_id>")
@admin_required
def update_assignment(slug, assignment_id):
    """Change what a team member does for the client, or make them account manager."""
    client = access.get_client_or_404(current_user, slug)
    assignment = _assignment_or_404(client, assignment_id)
    form = AssignmentForm()
    if not form.validate_on_submit():
        return _team_page(client, status=422)
    client_services.update_assignment(
        current_user, assignment, form.responsibility.data or "", form.account_manager.data
    )
    return _team_changed(client, f"Updated {assignment.user.name}.")


@bp.post("/clients/<slug>/team/<int:assignment_id>/remove")
@admin_required
def unassign(slug, assignment_id):
    """Take a staff member off the team."""
    client = access.get_client_or_404(current_user, slug)
    assignment = _assignment_or_404(client, assignment_id)
    user, responsibility = assignment.user, assignment.responsibility
    was_account_manager = assignment.is_account_manager
    client_services.unassign_staff(current_user, assignment)
    message = f"{user.name} left the {client.name} team."
    again = {"account_manager": "y"} if was_account_manager else {}
    return _team_changed(
        client,
        message,
        undo(message, url_for(".assign", slug=client.slug), user_id=user.id,
             responsibility=responsibility, **again),
    )  # fmt: skip


@bp.get("/people")
@admin_required
def people():
    """Everyone with an account, a page at a time, with their organisation, staff roles and
    deactivation; ``?organisation=`` a client's slug (or ``_agency`` for the staff) filters."""
    return _people_page()


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _people_page(status=200):
    organisations = db.session.scalars(access.visible_clients(current_user)).all()
    chosen = request.args.get("organisation") or None
    if chosen == services.AGENCY_STAFF or chosen is None:
        organisation = chosen
    else:
        organisation = next((c for c in organisations if c.slug == chosen), None)
        if organisation is None:
            abort(400)
    return render_template(
        "admin/people.html",
        people=services.people_page(page_number(), organisation),
        organisations=organisations,
        organisation_of={client.id: client for client in organisations},
        chosen=chosen,
        AGENCY_STAFF=services.AGENCY_STAFF,
        role_form=RoleForm(),
    ), status


def _people_action(change, message, undo_url=None):
    with flash_action() as action:
        change()
    if not action.ok:
        return _people_page(action.status)
    if undo_url:
        flash_undo(message, undo_url)
    else:
        flash(message, "success")
    return redirect(_people_location())


def _people_location(endpoint=".people", **values) -> str:
    """The people page (or an action of it) at the page and organisation asked for."""
    return url_for(
        endpoint, **values, page=page_number(), organisation=request.args.get("organisation")
    )


@bp.post("/people/<int:user_id>/role")
@admin_required
def change_role(user_id):
    """Give a staff member a new role."""
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a staff role.", "error")
        return _people_page(422)
    return _people_action(
        lambda: services.change_staff_role(current_user, user, form.role.data),
        f"{user.name} is now {ROLE_LABELS[form.role.data]}.",
    )


@bp.post("/people/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id):
    """Deactivate an account: every session of it ends at once."""
    user = _user_or_404(user_id)
    return _people_action(
        lambda: services.set_user_active(current_user, user, False),
        f"{user.name} is deactivated and signed out everywhere.",
        _people_location(".reactivate", user_id=user.id),
    )


@bp.post("/people/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id):
    """Let a deactivated account sign in again."""
    user = _user_or_404(user_id)
    return _people_action(
        lambda: services.set_user_active(current_user, user, True),
        f"{user.name} can sign in again.",
    )


@bp.route("/staff/invitations", methods=["GET", "POST"])
@admin_required
def invite_staff():
    """Invite someone to the agency's staff; lists staff invitations still pending."""
    form = staff_invite_form()
    if form.validate_on_submit():
        with form_action(form, "email") as action:
            invitation = invitation_services.invite_staff(
                current_user, form.email.data, form.role.data
            )
        if action.ok:
            flash(f"Invitation sent to {invitation.email}.", "success")
            return redirect(url_for(".invite_staff"))
    return render_template(
        "admin/invite_staff.html", form=form, pending=invitation_services.pending_invitations(None)
    ), form.status


def _outbox_status() -> str | None:
    """The ``?status=`` filter, if any; an unknown status is a bad request."""
    status = request.args.get("status") or None
    if status is not None and status not in set(EmailStatus):
        abort(400)
    return status


def _outbox_page(status=200):
    filter_status = _outbox_status()
    page = page_number()
    return render_template(
        "admin/outbox.html",
        messages=services.outbox_page(page, filter_status),
        counts=services.outbox_counts(),
        filter_status=filter_status,
        mail_server=current_app.config["MAIL_SERVER"],
        embedded=is_embedded(current_app.config),
    ), status


@bp.get("/outbox")
@admin_required
def outbox():
    """Every e-mail the portal wrote, newest first, with a retry for permanent failures."""
    return _outbox_page()


def _email_or_404(message_id: int) -> EmailMessage:
    message = db.session.get(EmailMessage, message_id)
    if message is None:
        abort(404)
    return message


@bp.get("/outbox/<int:message_id>")
@admin_required
def email(message_id):
    """One outbox message in full: its text, and its HTML in a sandboxed frame. Links that
    carry a secret show in full only in the embedded mode."""
    message = _email_or_404(message_id)
    text_body = shown(message.text_body)
    return render_template(
        "admin/outbox_message.html",
        message=message,
        text_body=text_body,
        html_body=shown(message.html_body, html=True),
        redacted=text_body != reveal(message.text_body),
        retention_days=current_app.config["EMAIL_BODY_RETENTION_DAYS"],
    )


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry_email(message_id):
    """Give a failed message a fresh set of delivery attempts."""
    message = _email_or_404(message_id)
    with flash_action() as action:
        services.retry_email(current_user, message)
    if not action.ok:
        return _outbox_page(action.status)
    flash(f"Trying again to deliver “{message.subject}” to {message.to_address}.", "success")
    return redirect(url_for(".outbox", status=_outbox_status(), page=page_number()))


@bp.get("/jobs")
@admin_required
def jobs():
    """Queue lengths, workers and failed jobs; in the embedded mode, the outbox by status."""
    if not current_app.config["REDIS_URL"]:
        return render_template("admin/jobs.html", embedded=True, counts=services.outbox_counts())
    try:
        overview, unreachable = admin_jobs.overview(), None
    except admin_jobs.QueueUnreachable as error:
        overview, unreachable = None, str(error)
    return render_template(
        "admin/jobs.html", embedded=False, overview=overview, unreachable=unreachable
    ), (200 if overview else 503)


@bp.post("/jobs/<job_id>/retry")
@admin_required
def retry_job(job_id):
    """Put a failed job back on its queue."""
    if not current_app.config["REDIS_URL"] or not admin_jobs.JOB_ID.fullmatch(job_id):
        abort(404)
    try:
        queue = admin_jobs.requeue_failed(job_id)
    except admin_jobs.QueueUnreachable:
        flash("Redis can't be reached, so the job stays where it is. Try again shortly.", "error")
        return redirect(url_for(".jobs"))
    if queue is None:
        abort(404)
    flash(f"Job {job_id} is back on the {queue} queue.", "success")
    return redirect(url_for(".jobs"))
