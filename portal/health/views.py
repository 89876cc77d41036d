"""Relationship health: the dashboard, a client's health page, the pulse, recomputing, and
the admin page for the weights."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from portal import access
from portal.actions import form_action
from portal.extensions import db
from portal.health import dashboard, scoring, services
from portal.health.forms import PulseForm, weights_form
from portal.health.settings import agency_settings
from portal.health.snapshots import rescore_client, take_snapshots
from portal.jobs import enqueue
from portal.models import Band, HealthAlert, Pulse
from portal.routing import row_id

bp = Blueprint("health", __name__)


@bp.get("/health")
@login_required
def index():
    """Every client whose health the person reads, worst first, with filters."""
    access.require(access.can_see_health(current_user))
    band = request.args.get("band") or None
    owner_id = request.args.get("owner", type=row_id)
    pager, rows = dashboard.dashboard_page(
        current_user, band=band, owner_id=owner_id, page=request.args.get("page", type=row_id) or 1
    )
    return render_template(
        "health/dashboard.html",
        rows=rows,
        pager=pager,
        bands=list(Band),
        band=band if band in set(Band) else None,
        owners=dashboard.account_managers(current_user),
        owner_id=owner_id,
    )


@bp.post("/health/recompute")
@login_required
def recompute_all():
    """Recompute today's snapshots of every client, as a job."""
    access.require(access.can_see_health(current_user))
    enqueue(take_snapshots, queue="slow")
    # The job is handed over only when the transaction that asked for it commits.
    db.session.commit()
    flash("Recomputing every client's health; reload in a moment.", "success")
    return redirect(url_for(".index"))


@bp.get("/clients/<slug>/health")
@login_required
def client(slug):
    """A client's health: every signal, its history, the drivers, the pulse and the alerts."""
    client = access.get_health_client_or_404(current_user, slug)
    return _client_page(client, PulseForm())


def _client_page(client, form):
    history = dashboard.client_history(current_user, client)
    return render_template(
        "health/client.html",
        client=client,
        snapshot=history[-1] if history else None,
        history=[(s.day, s.score) for s in history if s.score is not None],
        pulses=db.session.scalars(
            access.visible_pulses(current_user, client)
            .options(joinedload(Pulse.author))
            .order_by(Pulse.created_at.desc(), Pulse.id.desc())
            .limit(20)
        ).all(),
        alerts=db.session.scalars(
            access.visible_alerts(current_user, client)
            .order_by(HealthAlert.day.desc(), HealthAlert.id.desc())
            .limit(20)
        ).all(),
        form=form,
    ), form.status


@bp.post("/clients/<slug>/health/pulse")
@login_required
def pulse(slug):
    """Record the account manager's pulse: a rating and why."""
    client = access.get_health_client_or_404(current_user, slug)
    form = PulseForm()
    if form.validate_on_submit():
        with form_action(form, "comment") as action:
            services.record_pulse(current_user, client, form.rating.data, form.comment.data)
        if action.ok:
            flash("Pulse recorded; the health is rescored in a moment.", "success")
            return redirect(url_for(".client", slug=slug))
    return _client_page(client, form)


@bp.post("/clients/<slug>/health/recompute")
@login_required
def recompute(slug):
    """Recompute this client's health, as a job."""
    client = access.get_health_client_or_404(current_user, slug)
    enqueue(rescore_client, client.id, queue="slow")
    db.session.commit()
    flash("Recomputing this client's health; reload in a moment.", "success")
    return redirect(url_for(".client", slug=slug))


@bp.route("/admin/health/weights", methods=["GET", "POST"])
@access.admin_required
def weights():
    """Adjust the signals' weights, previewing every client's band before saving."""
    current = scoring.weights(agency_settings().health_weights)
    form = weights_form(current, request.form if request.method == "POST" else None)
    preview = None
    if form.validate_on_submit():
        proposed = {spec.key: form[spec.key].data for spec in scoring.SIGNALS}
        if request.form.get("action") == "save":
            with form_action(form, scoring.SIGNALS[0].key) as action:
                services.save_weights(current_user, proposed)
            if action.ok:
                flash("Saved the weights; they apply from the next snapshot.", "success")
                return redirect(url_for(".weights"))
        else:
            preview = dashboard.preview_weights(current_user, proposed)
    return render_template(
        "health/weights.html", form=form, preview=preview, signals=scoring.SIGNALS
    ), form.status
