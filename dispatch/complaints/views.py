"""Console pages of the complaint register: register a complaint, investigate it, decide it,
tell the customer."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dispatch.assign.models import AssigneeKind, Technician
from dispatch.auth.models import Role
from dispatch.complaints import accountability, service
from dispatch.complaints.models import Classification
from dispatch.console.actions import CONSOLE_ROLES
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel
from dispatch.web import commit, roles_required

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

DECIDERS = (Role.SUPERVISOR, Role.ADMIN)


def _actor() -> Actor:
    return Actor(Channel.CONSOLE, user_id=current_user.id)


def _technicians():
    return (
        db.session.query(Technician)
        .filter(Technician.org_id == current_user.org_id)
        .order_by(Technician.name)
    )


CLASSIFICATIONS = {
    Classification.PRODUCT_QUALITY: _l("product quality"),
    Classification.CUSTOMER_USE: _l("not product quality: the customer's use or damage"),
    Classification.SERVICE_CONDUCT: _l("service conduct (the service is at fault)"),
}


STAFF_ROLE_LABELS = {
    Role.DISPATCHER: _l("dispatcher"),
    Role.WAREHOUSE: _l("warehouse clerk"),
    Role.SUPERVISOR: _l("supervisor"),
    AssigneeKind.TECHNICIAN: _l("technician"),
    AssigneeKind.STATION: _l("service station"),
}


def _staff_role_label(row: dict) -> str:
    """What a staff member is, for a row of the accountability table (a technician or a user)."""
    if row.get("user") is not None:
        return STAFF_ROLE_LABELS.get(row["user"].role, "")
    return STAFF_ROLE_LABELS.get(row["technician"].kind, "")


@bp.app_context_processor
def _labels():
    return {
        "classification_label": lambda c: CLASSIFICATIONS.get(c, "") if c else "",
        "staff_role_label": _staff_role_label,
    }


@bp.get("/")
@roles_required(*CONSOLE_ROLES)
def register(error: DomainError | None = None):
    """The register and the form for a new complaint (after a refusal: the reason, and what was
    typed)."""
    return render_template(
        "complaints/register.html",
        complaints=service.register_list(db.session, current_user.org_id),
        channels=service.CHANNELS,
        technicians=_technicians(),
        error=error.message if error else None,
        error_field=error.details.get("field") if error else None,
        typed=request.form.to_dict() if error else {},
    ), (error.status if error else 200)


@bp.post("/")
@roles_required(*CONSOLE_ROLES)
def create():
    form = request.form
    try:
        channel = Channel(form.get("channel", "phone"))
    except ValueError:
        abort(400)
    if channel not in service.CHANNELS:
        abort(400)
    try:
        complaint = service.register(
            db.session,
            org=current_user.org,
            channel=channel,
            actor=_actor(),
            statement=form.get("statement", ""),
            reporter_name=form.get("name") or None,
            reporter_phone=form.get("phone") or None,
            concerns_reference=form.get("concerns") or None,
            technician_id=int(form["technician_id"]) if form.get("technician_id", "").isdigit() else None,
        )
    except DomainError as refused:  # an unknown work order, a wrong phone number, …
        db.session.rollback()
        return register(refused)
    commit()
    flash(_("Complaint %(ref)s registered.", ref=complaint.order.reference), "ok")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


def _investigation_values(complaint, typed: dict | None = None) -> dict[str, str]:
    """The investigation form's values: the record's, or what was typed when it was refused."""
    values = {}
    for name in service.INVESTIGATION:
        value = getattr(complaint, name)
        values[name] = "" if value is None else str(getattr(value, "value", value))
    values.update({name: typed[name] for name in service.INVESTIGATION if typed and name in typed})
    return values


def _page(complaint, *, refused: str | None = None, error=None, typed: dict | None = None):
    """The complaint's page. After a refused form (``refused``: investigation, decision, feedback
    or close) the reason is shown beside that form, which keeps what was typed."""
    return render_template(
        "complaints/detail.html",
        complaint=complaint,
        classifications=list(Classification),
        technicians=_technicians(),
        may_decide=current_user.has_role(*DECIDERS),
        closed=service.is_closed(complaint),
        investigation_fields=service.INVESTIGATION,
        values=_investigation_values(complaint, typed if refused == "investigation" else None),
        refused=refused,
        error=error.message if error else None,
        error_field=error.details.get("field") if error else None,
        typed=typed or {},
    ), (error.status if error else 200)


def _refused(complaint_id: int, form: str, error: service.ComplaintError):
    # Nothing of the refused form is kept: the page shows the record as it was, and the form
    # what was typed.
    db.session.rollback()
    complaint = service.get(db.session, current_user.org_id, complaint_id)
    return _page(complaint, refused=form, error=error, typed=request.form.to_dict())


@bp.get("/<int:complaint_id>")
@roles_required(*CONSOLE_ROLES)
def detail(complaint_id: int):
    return _page(service.get(db.session, current_user.org_id, complaint_id))


@bp.post("/<int:complaint_id>/investigation")
@roles_required(*CONSOLE_ROLES)
def investigate(complaint_id: int):
    complaint = service.get(db.session, current_user.org_id, complaint_id)
    try:
        service.investigate(db.session, complaint, _actor(), **request.form.to_dict())
    except service.ComplaintError as refused:
        return _refused(complaint_id, "investigation", refused)
    commit()
    flash(_("Investigation saved."), "ok")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.post("/<int:complaint_id>/decision")
@roles_required(*DECIDERS)
def decide(complaint_id: int):
    complaint = service.get(db.session, current_user.org_id, complaint_id)
    upheld = request.form.get("upheld")
    if upheld not in ("yes", "no"):
        abort(400)
    try:
        service.decide(db.session, complaint, upheld == "yes", current_user)
    except service.ComplaintError as refused:
        return _refused(complaint_id, "decision", refused)
    commit()
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.post("/<int:complaint_id>/feedback")
@roles_required(*CONSOLE_ROLES)
def feedback(complaint_id: int):
    """The result told to the customer: by SMS, or (``by_call``) a call to a customer without a
    mobile, noted."""
    complaint = service.get(db.session, current_user.org_id, complaint_id)
    by_call = request.form.get("by_call") == "1"
    try:
        service.feed_back(db.session, complaint, request.form.get("feedback", ""), _actor(), by_call=by_call)
    except service.ComplaintError as refused:
        return _refused(complaint_id, "feedback", refused)
    commit()
    if by_call:
        flash(_("The call to the customer was noted."), "ok")
    else:
        flash(_("The result was sent to the customer by SMS."), "ok")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.post("/<int:complaint_id>/close")
@roles_required(*DECIDERS)
def close(complaint_id: int):
    """Close a decided complaint whose customer was told the result; its deadlines stop."""
    complaint = service.get(db.session, current_user.org_id, complaint_id)
    try:
        service.close(db.session, complaint, current_user)
    except service.ComplaintError as refused:
        return _refused(complaint_id, "close", refused)
    commit()
    flash(_("Complaint %(ref)s closed.", ref=complaint.order.reference), "ok")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.get("/staff")
@roles_required(*DECIDERS)
def staff():
    """Per staff member: upheld complaints, warnings, breaches, and the flags raised."""
    return render_template(
        "complaints/staff.html",
        rows=accountability.staff_figures(db.session, current_user.org_id),
        heads=accountability.head_flags(db.session, current_user.org_id),
        warnings=accountability.warnings_of(db.session, current_user.org_id),
        limits=accountability.thresholds(),
        technicians=_technicians(),
        users=accountability.warnable_users(db.session, current_user.org_id),
    )


@bp.post("/staff/warnings")
@roles_required(*DECIDERS)
def warn():
    """Warn a technician or station (``staff=technician:ID``) or a console user (``staff=user:ID``);
    ``technician_id`` / ``user_id`` fields are read as well."""
    form = request.form
    who, _sep, number = form.get("staff", "").partition(":")
    if not number:
        who, number = (
            ("user", form["user_id"])
            if form.get("user_id")
            else ("technician", form.get("technician_id", ""))
        )
    if who not in ("technician", "user") or not number.isdigit():
        abort(400)
    accountability.issue(
        db.session,
        org_id=current_user.org_id,
        **{f"{who}_id": int(number)},
        kind=form.get("kind", ""),
        reason=form.get("reason", ""),
        issued_by=current_user,
    )
    commit()
    flash(_("Warning recorded."), "ok")
    return redirect(url_for("complaints.staff"))


@bp.post("/staff/warnings/<int:warning_id>/self-examination")
@roles_required(*DECIDERS)
def self_examination(warning_id: int):
    accountability.self_examination(db.session, current_user.org_id, warning_id, request.form.get("text", ""))
    commit()
    return redirect(url_for("complaints.staff"))
