"""The plan slot of the work-order page: pin the job to a technician (or to the first place of his
plan) so the planner plans around it, or remove the pin. Dispatchers and supervisors only; each
form posts here and calls :mod:`dispatch.plan.pins`, which records it and asks for a re-plan."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from dispatch.assign.models import Technician
from dispatch.auth.models import Role
from dispatch.console.actions import OrderAction, register
from dispatch.console.assign_actions import TechnicianForm, VersionForm, _back, _checked, _run
from dispatch.console.blueprint import bp
from dispatch.extensions import db
from dispatch.plan import pins
from dispatch.plan.models import PlanPin
from dispatch.plan.problem import PLANNABLE
from dispatch.web import roles_required

#: Who may pin: the people who decide who goes where.
PIN_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)


class PinForm(TechnicianForm):
    first = BooleanField()


@bp.post("/orders/<reference>/plan-pin")
@roles_required(*PIN_ROLES)
def plan_pin(reference: str):
    form = PinForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)
    return _run(
        reference,
        lambda: pins.pin(
            db.session, order, form.technician.data, first=bool(form.first.data), user=current_user
        ),
        _("Pinned: the planner keeps this job with that technician."),
    )


@bp.post("/orders/<reference>/plan-unpin")
@roles_required(*PIN_ROLES)
def plan_unpin(reference: str):
    form = VersionForm()
    order = _checked(reference, form)
    if order is None:
        return _back(reference)
    if not pins.unpin(db.session, order, current_user):
        flash(_("This job was not pinned."), "error")
        return _back(reference)
    return _run(reference, lambda: None, _("Pin removed: the planner places this job freely again."))


def plan_pin_of(order) -> PlanPin | None:
    return db.session.get(PlanPin, order.id)


def held_tech_name(held: PlanPin) -> str:
    tech = db.session.get(Technician, held.technician_id)
    return tech.name if tech is not None else "?"


@bp.app_context_processor
def _plan_globals():
    return {"plan_pin_of": plan_pin_of, "held_tech_name": held_tech_name}


register(
    OrderAction(
        "plan_pin",
        "assignment",
        _l("Pin in the plan"),
        "console/actions/_plan_pin.html",
        lambda order, _user: order.status in PLANNABLE,
        roles=PIN_ROLES,
        rank=40,
    )
)
