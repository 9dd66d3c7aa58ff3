"""The technicians page: who is on duty, where, how loaded, who stands in for whom — and the
dispatcher's changes to it (leave, duty, substitute, position) through assign.roster."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch import clock
from dispatch.assign import roster
from dispatch.assign.models import DutyStatus, Technician
from dispatch.console import labels
from dispatch.console.blueprint import CONSOLE_ROLES, bp
from dispatch.console.forms import DutyForm, LeaveForm, PositionForm, SubstituteForm
from dispatch.console.plans import plans
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.web import commit, roles_required

PAGE_SIZE = 100


def _others(tech: Technician) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Technician.id, Technician.name)
        .where(Technician.org_id == current_user.org_id, Technician.id != tech.id)
        .order_by(Technician.name)
    )
    return [(0, "—")] + [(tid, name) for tid, name in rows]


@bp.get("/technicians")
@roles_required(*CONSOLE_ROLES)
def technicians():
    duty = request.args.get("duty")
    query = sa.select(Technician).where(Technician.org_id == current_user.org_id)
    if duty in {d.value for d in DutyStatus}:
        query = query.where(Technician.duty_status == DutyStatus(duty))
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(sa.or_(Technician.name.contains(q), Technician.code.contains(q)))
    page = db.paginate(
        query.order_by(Technician.duty_status, Technician.name),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    names = dict(
        db.session.execute(
            sa.select(Technician.id, Technician.name).where(Technician.org_id == current_user.org_id)
        ).all()
    )
    return render_template(
        "console/technicians.html",
        page=page,
        duty=duty,
        q=q,
        loads=roster.loads(db.session, current_user.org_id),
        stands_in=roster.stands_in_for(db.session, current_user.org_id),
        names=names,
        plans=plans(db.session, current_user.org_id, [t.id for t in page.items]),
        now=clock.now(),
    )


@bp.get("/technicians/<int:tech_id>")
@roles_required(*CONSOLE_ROLES)
def technician(tech_id: int):
    tech = roster.get_technician(db.session, current_user.org_id, tech_id)
    others = _others(tech)
    return render_template(
        "console/technician.html",
        tech=tech,
        load=roster.loads(db.session, current_user.org_id).get(tech.id, 0),
        stands_in=roster.stands_in_for(db.session, current_user.org_id).get(tech.id, []),
        others=others,
        plan=plans(db.session, current_user.org_id, [tech.id]).get(tech.id, []),
    )


def _back(tech_id: int):
    return redirect(url_for(".technician", tech_id=tech_id))


@bp.post("/technicians/<int:tech_id>/leave")
@roles_required(*CONSOLE_ROLES)
def technician_leave(tech_id: int):
    roster.get_technician(db.session, current_user.org_id, tech_id)
    form = LeaveForm()
    if not form.validate_on_submit():
        flash(_("Give the date and time the leave ends."), "error")
        return _back(tech_id)
    try:
        until = clock.parse(form.until.data)
    except ValueError:
        raise DomainError(_("The end of the leave is not a date and time.")) from None
    tech = roster.set_leave(db.session, current_user.org_id, tech_id, until, form.substitute.data or None)
    held = [order.reference for order in roster.held_jobs(db.session, current_user.org_id, tech_id)]
    stand_in = db.session.get(Technician, tech.substitute_id) if tech.substitute_id else None
    commit()
    flash(_("Leave recorded."), "ok")
    if held:
        flash(
            _(
                "%(name)s still holds %(references)s: a leave does not take them from him, they stay "
                "his until you reassign them.",
                name=tech.name,
                references=", ".join(held),
            ),
            "error",
        )
    if stand_in is not None and stand_in.duty_status is not DutyStatus.ON_DUTY:
        flash(
            _(
                "%(name)s, who stands in, is %(duty)s: he covers nobody until he is back on duty.",
                name=stand_in.name,
                duty=labels.label(labels.DUTY, stand_in.duty_status),
            ),
            "error",
        )
    return _back(tech_id)


@bp.post("/technicians/<int:tech_id>/duty")
@roles_required(*CONSOLE_ROLES)
def technician_duty(tech_id: int):
    form = DutyForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "error")
        return _back(tech_id)
    roster.set_duty(db.session, current_user.org_id, tech_id, DutyStatus(form.status.data))
    commit()
    flash(_("Duty status changed."), "ok")
    return _back(tech_id)


@bp.post("/technicians/<int:tech_id>/substitute")
@roles_required(*CONSOLE_ROLES)
def technician_substitute(tech_id: int):
    form = SubstituteForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "error")
        return _back(tech_id)
    roster.set_substitute(db.session, current_user.org_id, tech_id, form.substitute.data or None)
    commit()
    flash(_("Substitute saved."), "ok")
    return _back(tech_id)


@bp.post("/technicians/<int:tech_id>/position")
@roles_required(*CONSOLE_ROLES)
def technician_position(tech_id: int):
    form = PositionForm()
    if not form.validate_on_submit():
        flash(_("Latitude and longitude are needed (degrees)."), "error")
        return _back(tech_id)
    roster.set_position(db.session, current_user.org_id, tech_id, form.lat.data, form.lon.data)
    commit()
    flash(_("Position saved."), "ok")
    return _back(tech_id)
