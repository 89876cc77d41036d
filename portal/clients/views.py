"""A client's home (projects and account team), its projects, and its people."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import access
from portal.actions import flash_action, flash_undo, form_action, is_partial
from portal.admin.services import set_user_active
from portal.clients import services
from portal.clients.forms import ProjectForm
from portal.drafts.forms import ApprovalRuleForm
from portal.drafts.reviewers import set_default_rule
from portal.drafts.services import project_drafts
from portal.drafts.status import draft_states
from portal.health.outside_in import agency_record_for
from portal.invitations.services import pending_invitations
from portal.models import ApprovalRule
from portal.routing import page_number
from portal.threads.services import recent_threads

bp = Blueprint("clients", __name__, url_prefix="/clients")


@bp.get("/<slug>")
@login_required
def home(slug):
    """The client's projects and the people on its account team; for the client's own
    people, how the agency has been answering them."""
    client = access.get_client_or_404(current_user, slug)
    can_work = access.can_work_on(current_user, client)
    return render_template(
        "clients/home.html",
        client=client,
        rule_form=ApprovalRuleForm(formdata=None, approval_rule=client.approval_rule)
        if can_work
        else None,
        # Staff read health on its own page; the client sees only the outside-in record.
        agency_record=agency_record_for(client) if current_user.is_client else None,
        projects=services.client_projects(client, page_number()),
        team=services.account_team(client),
        threads=recent_threads(current_user, client),
        can_work=can_work,
        can_invite=access.can_invite(current_user, client),
    )


@bp.post("/<slug>/approval-rule")
@login_required
def approval_rule(slug):
    """Set the approval rule the client's new drafts start with (its account team)."""
    client = access.get_client_or_404(current_user, slug)
    access.require(access.can_work_on(current_user, client))
    form = ApprovalRuleForm()
    if form.validate_on_submit():
        with form_action(form, "approval_rule") as action:
            set_default_rule(current_user, client, form.approval_rule.data)
        if action.ok and not is_partial():
            rule = ApprovalRule(client.approval_rule).label.lower()
            flash(f"New drafts of {client.name} are now approved by {rule}.", "success")
            return redirect(url_for(".home", slug=slug))
    template = "clients/_approval_rule.html" if is_partial() else "clients/approval_rule.html"
    return render_template(template, client=client, rule_form=form), form.status


@bp.get("/<slug>/projects/<int:project_id>")
@login_required
def project(slug, project_id):
    """One project: its brief, shared goals and due date, and a page of its drafts."""
    client = access.get_client_or_404(current_user, slug)
    project = access.get_project_or_404(current_user, client, project_id)
    drafts = project_drafts(current_user, project, page_number())
    return render_template(
        "clients/project.html",
        client=client,
        project=project,
        drafts=drafts,
        states=draft_states(drafts.items),
        threads=recent_threads(current_user, client, project=project),
        can_work=access.can_work_on(current_user, client),
    )


@bp.route("/<slug>/projects/new", methods=["GET", "POST"])
@login_required
def new_project(slug):
    """Create a project for this client (its account team and admins)."""
    client = access.get_client_or_404(current_user, slug)
    access.require(access.can_work_on(current_user, client))
    return _save_project(client, None, ProjectForm())


@bp.route("/<slug>/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit_project(slug, project_id):
    """Change a project's name, brief, goals or due date."""
    client = access.get_client_or_404(current_user, slug)
    project = access.get_project_or_404(current_user, client, project_id)
    access.require(access.can_work_on(current_user, client))
    return _save_project(client, project, ProjectForm(obj=project))


def _save_project(client, project, form):
    if form.validate_on_submit():
        with form_action(form, "name") as action:
            project = services.save_project(
                current_user,
                client,
                project=project,
                name=form.name.data,
                brief=form.brief.data or "",
                goals=form.goals.data or "",
                due_date=form.due_date.data,
            )
        if action.ok:
            flash(f"Saved “{project.name}”.", "success")
            return redirect(url_for(".project", slug=client.slug, project_id=project.id))
    return render_template(
        "clients/project_form.html", client=client, project=project, form=form
    ), form.status


@bp.get("/<slug>/people")
@login_required
def people(slug):
    """The people of this client organisation and the invitations still pending, with
    deactivation for those who manage them."""
    return _people_page(access.get_client_or_404(current_user, slug))


def _people_page(client, status=200):
    access.require(access.can_see_people(current_user, client))
    return render_template(
        "clients/people.html",
        client=client,
        people=services.client_people(current_user, client, page_number()),
        pending=pending_invitations(client),
    ), status


@bp.post("/<slug>/people/<int:user_id>/deactivate")
@login_required
def deactivate_person(slug, user_id):
    """Deactivate one of this client's people: every session of theirs ends at once."""
    return _set_person_active(slug, user_id, False)


@bp.post("/<slug>/people/<int:user_id>/reactivate")
@login_required
def reactivate_person(slug, user_id):
    """Let a deactivated person of this client sign in again."""
    return _set_person_active(slug, user_id, True)


def _set_person_active(slug, user_id, active):
    client = access.get_client_or_404(current_user, slug)
    access.require(access.can_manage_people(current_user, client))
    person = access.get_person_or_404(current_user, client, user_id)
    with flash_action() as action:
        set_user_active(current_user, person, active)
    if not action.ok:
        return _people_page(client, action.status)
    if active:
        flash(f"{person.name} can sign in again.", "success")
    else:
        flash_undo(
            f"{person.name} is deactivated and signed out everywhere.",
            url_for(".reactivate_person", slug=client.slug, user_id=person.id, page=page_number()),
        )
    return redirect(url_for(".people", slug=client.slug, page=page_number()))
